namespace YarpEgress.Telemetry.Insights;

/// <summary>A <see cref="SeenDestination"/> at one instant: its name, connections per port, and decisions.</summary>
internal sealed record SeenName(string Host, SortedDictionary<int, long> Ports, bool MorePorts, long Allowed, long Reported, long Denied)
{
    public long Connections => Allowed + Reported + Denied;
}
