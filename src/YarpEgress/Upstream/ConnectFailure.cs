using YarpEgress.Telemetry;
using Alert = YarpEgress.Tls.TlsAlert;

namespace YarpEgress.Upstream;

/// <summary>
/// What each <see cref="ConnectFailureKind"/> means to everyone who reports it, in one table: the HTTP status and the
/// RFC 9209 <c>Proxy-Status</c> error a CONNECT or plain-HTTP client gets, the <c>kind</c> label of the connect-failure
/// metric, how the connection ends (access log and <c>end</c> label), the TLS alert an SNI client gets, and whether the failure counts against the destination's circuit breaker.
/// </summary>
internal sealed record ConnectFailure(ConnectFailureKind Kind, int StatusCode, string ProxyStatus, string MetricWord, ConnectionEnd End, byte TlsAlert, bool TripsBreaker)
{
    private static readonly ConnectFailure[] Table =
    [
        new(ConnectFailureKind.Dns, 502, "dns_error", "dns", ConnectionEnd.UpstreamDns, Alert.InternalError, TripsBreaker: false),
        new(ConnectFailureKind.Refused, 502, "connection_refused", "refused", ConnectionEnd.UpstreamRefused, Alert.InternalError, TripsBreaker: true),
        new(ConnectFailureKind.Unreachable, 502, "destination_ip_unroutable", "unreachable", ConnectionEnd.UpstreamUnreachable, Alert.InternalError, TripsBreaker: true),
        new(ConnectFailureKind.Timeout, 504, "connection_timeout", "timeout", ConnectionEnd.UpstreamTimeout, Alert.InternalError, TripsBreaker: true),
        // The address policy's refusal is a denial like the allowlist's; anything else is the upstream's fault.
        new(ConnectFailureKind.AddressDenied, 403, "destination_ip_prohibited", "address_denied", ConnectionEnd.UpstreamAddressDenied, Alert.AccessDenied, TripsBreaker: false),
        new(ConnectFailureKind.CircuitOpen, 503, "destination_unavailable", "circuit_open", ConnectionEnd.UpstreamCircuitOpen, Alert.InternalError, TripsBreaker: false),
        new(ConnectFailureKind.Tls, 502, "tls_certificate_error", "tls", ConnectionEnd.UpstreamTls, Alert.InternalError, TripsBreaker: false),
        new(ConnectFailureKind.ParentProxy, 502, "proxy_next_hop_error", "parent_proxy", ConnectionEnd.UpstreamParentProxy, Alert.InternalError, TripsBreaker: false),
    ];

    /// <summary>The row of a kind.</summary>
    public static ConnectFailure Of(ConnectFailureKind kind) => Table[(int)kind];

    /// <summary>Every row, in the order of the enum (for tests and documentation).</summary>
    public static IReadOnlyList<ConnectFailure> All => Table;
}
