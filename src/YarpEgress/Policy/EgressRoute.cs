namespace YarpEgress.Policy;

/// <summary>One compiled route: which destinations it takes, and the fixed upstream they are dialed at.</summary>
internal sealed class EgressRoute(int order, HostPattern pattern, int? port, Destination upstream) : IHostRule
{
    public int Order { get; } = order;

    public HostPattern Pattern { get; } = pattern;

    public Destination Upstream { get; } = upstream;

    public bool MatchesPort(int candidate) => port is null || port == candidate;
}
