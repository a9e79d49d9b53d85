namespace YarpEgress.Upstream;

/// <summary>An upstream could not be reached; <see cref="Exception.Message"/> is fit to show the client.</summary>
internal sealed class UpstreamConnectException(ConnectFailureKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ConnectFailureKind Kind { get; } = kind;

    /// <summary>What the kind means to the client, the metrics, the access log and the breaker.</summary>
    public ConnectFailure Failure => ConnectFailure.Of(Kind);
}
