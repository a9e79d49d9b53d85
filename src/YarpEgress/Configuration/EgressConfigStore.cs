using Microsoft.Extensions.Primitives;
using YarpEgress.Configuration.Loading;
using YarpEgress.Diagnostics;

namespace YarpEgress.Configuration;

/// <summary>
/// Holds the current <see cref="EgressSnapshot"/> and swaps it when the configuration reloads. A reload that fails
/// validation is logged, error by error, and the last good snapshot keeps serving; a reload of the same rejected content
/// (a source that signals a change it does not have, a manual reload) is neither logged nor reported again.
/// </summary>
internal sealed partial class EgressConfigStore : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly ILogger<EgressConfigStore> _logger;
    private readonly IDisposable _subscription;
    private volatile EgressSnapshot _current;
    private byte[]? _rejectedContent;

    public EgressConfigStore(IConfiguration configuration, EgressSnapshot initial, ILogger<EgressConfigStore> logger)
    {
        _configuration = configuration;
        _logger = logger;
        _current = initial;
        Bound = initial.Options;
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    public EgressSnapshot Current => _current;

    /// <summary>The start-up options, whose listener and admin endpoints are the ones bound (<see cref="RestartBoundSettings"/>).</summary>
    public EgressOptions Bound { get; }

    /// <summary>What the current config changes in the settings bound at start-up, waiting for a restart.</summary>
    public List<string> PendingRestart() => RestartBoundSettings.Changes(Bound, _current.Options);

    /// <summary>Raised after a new snapshot is in place.</summary>
    public event Action<EgressSnapshot>? Changed;

    /// <summary>Raised when a reloaded config failed validation, with its errors; the current snapshot stays.</summary>
    public event Action<IReadOnlyList<string>>? Rejected;

    private void Reload()
    {
        var errors = new List<string>();
        var next = EgressConfigLoader.Load(_configuration, errors);
        if (next is null)
        {
            var content = ConfigContent.Fingerprint(_configuration);
            if (_rejectedContent is { } last && last.AsSpan().SequenceEqual(content))
            {
                LogStillRejected(_logger);
                return;
            }

            _rejectedContent = content;
            LogReloadRejected(_logger, errors.Count);
            foreach (var error in errors)
            {
                LogConfigError(_logger, error);
            }

            Rejected?.Invoke(errors);
            return;
        }

        if (RestartBoundSettings.Changes(Bound, next.Options) is { Count: > 0 } pending)
        {
            LogListenersNeedRestart(_logger, string.Join("; ", pending));
        }

        _rejectedContent = null;
        _current = next;
        LogReloaded(_logger, next.Policy.RuleCount);
        Changed?.Invoke(next);
    }

    public void Dispose() => _subscription.Dispose();

    [LoggerMessage(EventId = LogEvents.ConfigReloaded, EventName = nameof(LogEvents.ConfigReloaded), Level = LogLevel.Information, Message = "Configuration reloaded: {RuleCount} allowlist rules in force")]
    private static partial void LogReloaded(ILogger logger, int ruleCount);

    [LoggerMessage(EventId = LogEvents.ConfigReloadRejected, EventName = nameof(LogEvents.ConfigReloadRejected), Level = LogLevel.Error, Message = "Configuration reload rejected with {ErrorCount} error(s); the previous configuration stays in force")]
    private static partial void LogReloadRejected(ILogger logger, int errorCount);

    [LoggerMessage(EventId = LogEvents.ConfigError, EventName = nameof(LogEvents.ConfigError), Level = LogLevel.Error, Message = "Configuration error: {Error}")]
    private static partial void LogConfigError(ILogger logger, string error);

    [LoggerMessage(EventId = LogEvents.ConfigStillRejected, EventName = nameof(LogEvents.ConfigStillRejected), Level = LogLevel.Debug, Message = "Configuration reload rejected again, with the content already reported")]
    private static partial void LogStillRejected(ILogger logger);

    [LoggerMessage(EventId = LogEvents.ListenersNeedRestart, EventName = nameof(LogEvents.ListenersNeedRestart), Level = LogLevel.Warning, Message = "Listener or admin endpoints, protocols or TLS modes changed; they take effect after a restart: {Changes}")]
    private static partial void LogListenersNeedRestart(ILogger logger, string changes);
}
