namespace YarpEgress.Configuration;

/// <summary>One proxy listener: <c>Egress:Listeners:N</c>.</summary>
public sealed class ListenerOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>An IP address to bind; <c>0.0.0.0</c> or <c>::</c> for all. Defaults to loopback.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = -1;

    public ListenerProtocol Protocol { get; set; } = ListenerProtocol.Http;

    /// <summary>SNI: the upstream port when the server name carries none; defaults to the listener's own port.</summary>
    public int? UpstreamPort { get; set; }

    /// <summary>SNI: the destination (host or host:port) for a ClientHello without a server name; unset, those are refused.</summary>
    public string? DefaultHost { get; set; }

    /// <summary>SNI: passthrough (default) or terminate.</summary>
    public SniTlsOptions? Tls { get; set; }

    /// <summary>HTTP: origin-form requests (<c>GET /path</c> with <c>Host</c>) are forwarded by Host (unset) or refused. Reloads live.</summary>
    public OriginFormMode? OriginForm { get; set; }

    /// <summary>PROXY protocol from trusted load balancers (HTTP and SNI listeners). Reloads live.</summary>
    public ProxyProtocolOptions? ProxyProtocol { get; set; }
}
