using YarpEgress.Policy;

namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// One destination name asked for by one client (or by no named client) since start: how often the allowlist allowed,
/// reported and denied it, on which ports (at most <see cref="MaxPorts"/> distinct ones are kept), and how often the
/// address policy refused what it resolved to.
/// </summary>
internal sealed class SeenDestination(string? client, string host)
{
    public const int MaxPorts = 16;

    private readonly Dictionary<int, long> _ports = [];
    private long _allowed;
    private long _reported;
    private long _denied;
    private long _addressRefused;
    private bool _morePorts;

    public string? Client { get; } = client;

    public string Host { get; } = host;

    public long AddressRefused => Interlocked.Read(ref _addressRefused);

    public void Count(DecisionOutcome outcome, int port)
    {
        switch (outcome)
        {
            case DecisionOutcome.Allowed: Interlocked.Increment(ref _allowed); break;
            case DecisionOutcome.Denied: Interlocked.Increment(ref _denied); break;
            default: Interlocked.Increment(ref _reported); break;
        }

        lock (_ports)
        {
            if (_ports.TryGetValue(port, out var count))
            {
                _ports[port] = count + 1;
            }
            else if (_ports.Count < MaxPorts)
            {
                _ports[port] = 1;
            }
            else
            {
                _morePorts = true;
            }
        }
    }

    public void CountAddressRefused() => Interlocked.Increment(ref _addressRefused);

    public SeenName Snapshot()
    {
        lock (_ports)
        {
            return new SeenName(Host, new SortedDictionary<int, long>(_ports), _morePorts,
                Interlocked.Read(ref _allowed), Interlocked.Read(ref _reported), Interlocked.Read(ref _denied));
        }
    }
}
