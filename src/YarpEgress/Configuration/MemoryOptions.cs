namespace YarpEgress.Configuration;

/// <summary><c>Egress:Memory</c>: giving memory back to the system after a load has passed.</summary>
public sealed class MemoryOptions
{
    /// <summary>
    /// After a busy period, once the gateway has been quiet this long, one full compacting collection returns the heap
    /// that the load grew (a pod's memory limit otherwise pays for the peak); <c>00:00:00</c> turns it off.
    /// </summary>
    public TimeSpan IdleTrimAfter { get; set; } = TimeSpan.FromSeconds(30);
}
