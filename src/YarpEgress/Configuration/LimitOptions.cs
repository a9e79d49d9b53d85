namespace YarpEgress.Configuration;

/// <summary><c>Egress:Limits</c>.</summary>
public sealed class LimitOptions
{
    /// <summary>Concurrent connections one listener serves; beyond it new ones get 503 (HTTP) or a TLS alert (SNI). 0: no limit.</summary>
    public int MaxConnectionsPerListener { get; set; } = 10_000;

    /// <summary>Concurrent connections from one client address, per listener. 0: no limit.</summary>
    public int MaxConnectionsPerClient { get; set; } = 1_000;

    /// <summary>Largest CONNECT request head (request line and headers) accepted; beyond it the client gets 431.</summary>
    public int MaxRequestHeadBytes { get; set; } = 16 * 1024;

    /// <summary>Largest TLS ClientHello (all its records) an SNI listener buffers; beyond it the client gets a decode_error alert.</summary>
    public int MaxClientHelloBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Plain HTTP: open upstream connections (every forwarder pool together) beyond which a request's connection is
    /// closed after its response instead of being kept for reuse, so the pools never keep more than this many.
    /// </summary>
    public int MaxUpstreamHttpConnections { get; set; } = 1_000;

    /// <summary>Plain HTTP: concurrent upstream connections to one destination; further requests to it wait for one.</summary>
    public int MaxUpstreamHttpConnectionsPerDestination { get; set; } = 256;
}
