using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// A logger provider that writes every event through the gateway's own console formatter (the one
/// <c>Logging:Console:FormatterName</c> picks, with its configured options) into memory, so a test reads exactly the
/// text the console would show, for this gateway alone.
/// </summary>
internal sealed class ConsoleCapture : ILoggerProvider
{
    private readonly ConsoleFormatter _formatter;
    private readonly StringWriter _text = new();
    private readonly Lock _lock = new();

    public ConsoleCapture(IEnumerable<ConsoleFormatter> formatters, IOptionsMonitor<ConsoleLoggerOptions> options)
    {
        var name = options.CurrentValue.FormatterName ?? ConsoleFormatterNames.Simple;
        _formatter = formatters.Single(f => f.Name == name);
    }

    /// <summary>Registers the capture beside the gateway's real console logger.</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<ConsoleCapture>();
        services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<ConsoleCapture>());
    }

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(ConsoleCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => NullScope.Instance;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter);
            lock (owner._lock)
            {
                owner._formatter.Write(in entry, scopeProvider: null, owner._text);
            }
        }
    }

    private sealed class NullScope : IDisposable
    {
        public static readonly NullScope Instance = new();

        public void Dispose()
        {
        }
    }
}
