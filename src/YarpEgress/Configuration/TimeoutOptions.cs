namespace YarpEgress.Configuration;

/// <summary><c>Egress:Timeouts</c>, as .NET time spans (<c>"00:00:10"</c>).</summary>
public sealed class TimeoutOptions
{
    /// <summary>Resolving and dialing an upstream, all addresses included.</summary>
    public TimeSpan Connect { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>One dial to one resolved address; on timeout the next address is tried, within <see cref="Connect"/>.</summary>
    public TimeSpan ConnectAttempt { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>A tunnel with no byte in either direction for this long is closed.</summary>
    public TimeSpan TunnelIdle { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>If set, a tunnel is closed after this long whatever it does.</summary>
    public TimeSpan? TunnelLifetime { get; set; }

    /// <summary>After SIGTERM: how long /readyz says "draining" while listeners still accept, so load balancers move away.</summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;

    /// <summary>After listeners stop accepting: how long live tunnels may go on before they are closed.</summary>
    public TimeSpan Drain { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a client may take to send a CONNECT request head.</summary>
    public TimeSpan RequestHead { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>SNI listeners (and the CONNECT SNI check): how long a client may take to send its TLS ClientHello.</summary>
    public TimeSpan ClientHello { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Plain HTTP: the longest silence from the upstream (or the client body) before the request is failed.</summary>
    public TimeSpan HttpActivity { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Plain HTTP: a pooled upstream connection unused for this long is closed.</summary>
    public TimeSpan UpstreamHttpIdle { get; set; } = TimeSpan.FromSeconds(5);
}
