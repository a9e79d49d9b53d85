using YarpEgress.Telemetry;

namespace YarpEgress.Upstream;

/// <summary>An upstream could not be reached; <see cref="Exception.Message"/> is fit to show the client.</summary>
internal sealed class UpstreamConnectException(ConnectFailureKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ConnectFailureKind Kind { get; } = kind;

    /// <summary>The HTTP status for this failure.</summary>
    public int StatusCode => Kind switch
    {
        ConnectFailureKind.Timeout => 504,
        ConnectFailureKind.AddressDenied => 403,
        ConnectFailureKind.CircuitOpen => 503,
        _ => 502,
    };

    /// <summary>How a connection that failed so ends (<c>upstream_</c> and the kind's word).</summary>
    public ConnectionEnd End => Kind switch
    {
        ConnectFailureKind.Dns => ConnectionEnd.UpstreamDns,
        ConnectFailureKind.Refused => ConnectionEnd.UpstreamRefused,
        ConnectFailureKind.Unreachable => ConnectionEnd.UpstreamUnreachable,
        ConnectFailureKind.Timeout => ConnectionEnd.UpstreamTimeout,
        ConnectFailureKind.AddressDenied => ConnectionEnd.UpstreamAddressDenied,
        ConnectFailureKind.Tls => ConnectionEnd.UpstreamTls,
        ConnectFailureKind.ParentProxy => ConnectionEnd.UpstreamParentProxy,
        _ => ConnectionEnd.UpstreamCircuitOpen,
    };

    /// <summary>The metrics word for the kind (the <c>kind</c> label of <c>egress_upstream_connect_failures_total</c>).</summary>
    public string KindName => Kind switch
    {
        ConnectFailureKind.Dns => "dns",
        ConnectFailureKind.Refused => "refused",
        ConnectFailureKind.Unreachable => "unreachable",
        ConnectFailureKind.Timeout => "timeout",
        ConnectFailureKind.AddressDenied => "address_denied",
        ConnectFailureKind.Tls => "tls",
        ConnectFailureKind.ParentProxy => "parent_proxy",
        _ => "circuit_open",
    };
}
