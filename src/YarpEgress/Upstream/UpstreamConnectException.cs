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

    /// <summary>The metrics and access-log word for the kind.</summary>
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
