namespace YarpEgress.Configuration;

/// <summary><c>Egress:Timeouts</c>, as .NET time spans (<c>"00:00:10"</c>).</summary>
public sealed class TimeoutOptions
{
    /// <summary>Resolving and dialing an upstream, all addresses included.</summary>
    public TimeSpan Connect { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a client may take to send a CONNECT request head.</summary>
    public TimeSpan RequestHead { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>SNI listeners (and the CONNECT SNI check): how long a client may take to send its TLS ClientHello.</summary>
    public TimeSpan ClientHello { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Plain HTTP: the longest silence from the upstream (or the client body) before the request is failed.</summary>
    public TimeSpan HttpActivity { get; set; } = TimeSpan.FromSeconds(100);
}
