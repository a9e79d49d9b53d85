using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// Reads a gateway process's JSON console log as it is written and picks out the bound endpoint of each listener
/// (the start-up lines "Listener {Name}: {Kind} on {EndPoint}", EventId 10), so a process can listen on port 0.
/// </summary>
internal sealed class ListenerLog
{
    private readonly StringBuilder _text = new();
    private readonly Dictionary<string, IPEndPoint> _bound = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();

    private ListenerLog(Process process) => _ = Task.Run(() => PumpAsync(process.StandardOutput));

    public static ListenerLog Follow(Process process) => new(process);

    /// <summary>Everything read so far.</summary>
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

    /// <summary>Waits until the named listeners are logged as bound (or the output ends, or the bound passes).</summary>
    public async Task<IReadOnlyDictionary<string, IPEndPoint>> BoundAsync(IReadOnlyCollection<string> names, TimeSpan bound)
    {
        using var deadline = new CancellationTokenSource(bound);
        while (true)
        {
            lock (_lock)
            {
                if (names.All(_bound.ContainsKey))
                {
                    return new Dictionary<string, IPEndPoint>(_bound);
                }
            }

            if (_ended.Task.IsCompleted || deadline.IsCancellationRequested)
            {
                throw new InvalidOperationException($"listeners {string.Join(", ", names)} were not all logged as bound:\n{Text}");
            }

            await Task.WhenAny(_ended.Task, Task.Delay(50, CancellationToken.None));
        }
    }

    private async Task PumpAsync(StreamReader output)
    {
        while (await output.ReadLineAsync() is { } line)
        {
            lock (_lock)
            {
                _text.AppendLine(line);
                if (Listener(line) is { } listener)
                {
                    _bound[listener.Name] = listener.EndPoint;
                }
            }
        }

        _ended.TrySetResult();
    }

    private static (string Name, IPEndPoint EndPoint)? Listener(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        using var entry = JsonDocument.Parse(line);
        var root = entry.RootElement;
        if (!root.TryGetProperty("EventId", out var id) || id.GetInt32() != 10 || !root.TryGetProperty("State", out var state))
        {
            return null;
        }

        return (state.GetProperty("Name").GetString()!, IPEndPoint.Parse(state.GetProperty("EndPoint").GetString()!));
    }
}
