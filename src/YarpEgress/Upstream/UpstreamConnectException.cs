namespace YarpEgress.Upstream;

/// <summary>An upstream could not be reached; <see cref="Exception.Message"/> is fit to show the client.</summary>
internal sealed class UpstreamConnectException(ConnectFailureKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ConnectFailureKind Kind { get; } = kind;

    /// <summary>The HTTP status for this failure: 504 for a timeout, 502 otherwise.</summary>
    public int StatusCode => Kind == ConnectFailureKind.Timeout ? 504 : 502;
}
