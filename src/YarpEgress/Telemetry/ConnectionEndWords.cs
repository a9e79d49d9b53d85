using YarpEgress.Tunneling;

namespace YarpEgress.Telemetry;

/// <summary>The words of <see cref="ConnectionEnd"/> in logs and metrics: one table, constant strings, nothing allocated.</summary>
internal static class ConnectionEndWords
{
    public static string ToTag(this ConnectionEnd end) => end switch
    {
        ConnectionEnd.Closed => "closed",
        ConnectionEnd.ClientReset => "client_reset",
        ConnectionEnd.ClientClosed => "client_closed",
        ConnectionEnd.UpstreamReset => "upstream_reset",
        ConnectionEnd.IdleTimeout => "idle_timeout",
        ConnectionEnd.LifetimeExceeded => "lifetime_exceeded",
        ConnectionEnd.Drained => "drained",
        ConnectionEnd.Denied => "denied",
        ConnectionEnd.BadRequest => "bad_request",
        ConnectionEnd.Timeout => "timeout",
        ConnectionEnd.BadProxyHeader => "bad_proxy_header",
        ConnectionEnd.CredentialsRequired => "credentials_required",
        ConnectionEnd.AuthThrottled => "auth_throttled",
        ConnectionEnd.MethodNotAllowed => "method_not_allowed",
        ConnectionEnd.BadClientHello => "bad_client_hello",
        ConnectionEnd.NoServerName => "no_server_name",
        ConnectionEnd.BadServerName => "bad_server_name",
        ConnectionEnd.TlsHandshakeFailed => "tls_handshake_failed",
        ConnectionEnd.SniMissing => "sni_missing",
        ConnectionEnd.SniMismatch => "sni_mismatch",
        ConnectionEnd.NotTls => "not_tls",
        ConnectionEnd.ClientHelloTimeout => "client_hello_timeout",
        ConnectionEnd.UpstreamError => "upstream_error",
        ConnectionEnd.UpstreamDns => "upstream_dns",
        ConnectionEnd.UpstreamRefused => "upstream_refused",
        ConnectionEnd.UpstreamUnreachable => "upstream_unreachable",
        ConnectionEnd.UpstreamTimeout => "upstream_timeout",
        ConnectionEnd.UpstreamAddressDenied => "upstream_address_denied",
        ConnectionEnd.UpstreamCircuitOpen => "upstream_circuit_open",
        ConnectionEnd.UpstreamTls => "upstream_tls",
        ConnectionEnd.UpstreamParentProxy => "upstream_parent_proxy",
        _ => throw new ArgumentOutOfRangeException(nameof(end), end, null),
    };

    /// <summary>How a relayed tunnel ended, in the connection's vocabulary.</summary>
    public static ConnectionEnd Of(TunnelEnd end) => end switch
    {
        TunnelEnd.Closed => ConnectionEnd.Closed,
        TunnelEnd.ClientReset => ConnectionEnd.ClientReset,
        TunnelEnd.UpstreamReset => ConnectionEnd.UpstreamReset,
        TunnelEnd.IdleTimeout => ConnectionEnd.IdleTimeout,
        TunnelEnd.LifetimeExceeded => ConnectionEnd.LifetimeExceeded,
        _ => ConnectionEnd.Drained,
    };
}
