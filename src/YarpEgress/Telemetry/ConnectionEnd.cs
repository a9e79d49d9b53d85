namespace YarpEgress.Telemetry;

/// <summary>
/// How a proxied connection or plain-HTTP request ended, as Kestrel's <c>ConnectionEndReason</c> names why a
/// connection closed: one value per outcome, written to the access log's <c>end=</c> and the <c>end</c> label of
/// <c>egress_connections_closed_total</c> by <see cref="ConnectionEndWords.ToTag"/>, the one place that spells them.
/// </summary>
internal enum ConnectionEnd
{
    /// <summary>Both sides closed in an orderly way; a plain-HTTP request was answered (<c>closed</c>).</summary>
    Closed,

    /// <summary>The client reset, aborted or left before its answer (<c>client_reset</c>).</summary>
    ClientReset,

    /// <summary>An upgraded plain-HTTP connection's client went away without a reset (<c>client_closed</c>).</summary>
    ClientClosed,

    /// <summary>The upstream reset the connection (<c>upstream_reset</c>).</summary>
    UpstreamReset,

    /// <summary>No byte moved either way for <c>Timeouts:TunnelIdle</c> (<c>idle_timeout</c>).</summary>
    IdleTimeout,

    /// <summary>The connection reached <c>Timeouts:TunnelLifetime</c> (<c>lifetime_exceeded</c>).</summary>
    LifetimeExceeded,

    /// <summary>The shutdown drain ended it (<c>drained</c>).</summary>
    Drained,

    /// <summary>The allowlist refused the destination (<c>denied</c>).</summary>
    Denied,

    /// <summary>The request head or target could not be used (<c>bad_request</c>).</summary>
    BadRequest,

    /// <summary>The client did not send its head, PROXY header or ClientHello in time (<c>timeout</c>).</summary>
    Timeout,

    /// <summary>A trusted load balancer's PROXY header was invalid (<c>bad_proxy_header</c>).</summary>
    BadProxyHeader,

    /// <summary>The client must send proxy credentials, or sent wrong ones (<c>credentials_required</c>).</summary>
    CredentialsRequired,

    /// <summary>The client failed too many credential checks and is throttled (<c>auth_throttled</c>).</summary>
    AuthThrottled,

    /// <summary>A TRACE with <c>Max-Forwards: 0</c>, which the gateway does not answer itself (<c>method_not_allowed</c>).</summary>
    MethodNotAllowed,

    /// <summary>The ClientHello could not be parsed (<c>bad_client_hello</c>).</summary>
    BadClientHello,

    /// <summary>An SNI listener's ClientHello has no server name (<c>no_server_name</c>).</summary>
    NoServerName,

    /// <summary>An SNI listener's server name is no usable host (<c>bad_server_name</c>).</summary>
    BadServerName,

    /// <summary>The TLS handshake of a terminating SNI listener failed (<c>tls_handshake_failed</c>).</summary>
    TlsHandshakeFailed,

    /// <summary><c>RequireTlsSniMatch</c>: the tunnel's ClientHello has no server name (<c>sni_missing</c>).</summary>
    SniMissing,

    /// <summary><c>RequireTlsSniMatch</c>: the ClientHello names another host (<c>sni_mismatch</c>).</summary>
    SniMismatch,

    /// <summary><c>RequireTlsSniMatch</c>: the tunnel does not start with TLS (<c>not_tls</c>).</summary>
    NotTls,

    /// <summary><c>RequireTlsSniMatch</c>: the ClientHello did not arrive within <c>Timeouts:ClientHello</c> (<c>client_hello_timeout</c>).</summary>
    ClientHelloTimeout,

    /// <summary>A plain-HTTP forward failed after the connect, or with no better name (<c>upstream_error</c>).</summary>
    UpstreamError,

    /// <summary>The upstream's name did not resolve (<c>upstream_dns</c>).</summary>
    UpstreamDns,

    /// <summary>Every address refused the connection, or reset it at once (<c>upstream_refused</c>).</summary>
    UpstreamRefused,

    /// <summary>No route to the upstream (<c>upstream_unreachable</c>).</summary>
    UpstreamUnreachable,

    /// <summary>The connect deadline or the plain-HTTP request timeout passed (<c>upstream_timeout</c>).</summary>
    UpstreamTimeout,

    /// <summary>Every address is one the address policy denies (<c>upstream_address_denied</c>).</summary>
    UpstreamAddressDenied,

    /// <summary>The destination's circuit breaker is open (<c>upstream_circuit_open</c>).</summary>
    UpstreamCircuitOpen,

    /// <summary>TLS the gateway originated failed (<c>upstream_tls</c>).</summary>
    UpstreamTls,

    /// <summary>A <c>Via</c> route's parent proxy refused or failed (<c>upstream_parent_proxy</c>).</summary>
    UpstreamParentProxy,
}
