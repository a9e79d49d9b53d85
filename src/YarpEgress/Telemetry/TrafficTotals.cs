namespace YarpEgress.Telemetry;

/// <summary>What one label set has moved and how many of its sessions are open, summed when <c>/metrics</c> is scraped.</summary>
internal sealed class TrafficTotals
{
    public long FromClient { get; set; }

    public long ToClient { get; set; }

    public long Active { get; set; }
}
