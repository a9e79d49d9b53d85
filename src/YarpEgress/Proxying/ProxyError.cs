using YarpEgress.Policy;
using YarpEgress.Upstream;

namespace YarpEgress.Proxying;

/// <summary>
/// A refusal or failure as the client sees it: the status code, the RFC 9209 <c>Proxy-Status</c> error type, and one
/// plain-text line saying what happened. CONNECT and plain HTTP answer with the same three things.
/// </summary>
internal readonly record struct ProxyError(int StatusCode, string ProxyStatus, string Message)
{
    public const string ProxyName = "yarp-egress";

    public static ProxyError BadRequest(string message) => new(400, "http_request_error", message);

    public static ProxyError HeadTooLarge(string message) => new(431, "http_request_error", message);

    public static ProxyError HeadTimeout() => new(408, "http_request_error", "timed out waiting for the request head");

    public static ProxyError Denied(in PolicyDecision decision) => new(403, "http_request_denied", decision.Reason);

    /// <summary>407: the client this source belongs to must send its proxy credentials (answered with a Basic challenge).</summary>
    public static ProxyError CredentialsRequired() => new(407, "http_request_denied", "proxy credentials are required for this client, or were wrong");

    /// <summary>429: this source's recent credential checks failed too often (or too many are running); no check was made.</summary>
    public static ProxyError AuthenticationThrottled(System.Net.IPAddress? source, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        return new(429, "http_request_denied", $"too many failed or concurrent proxy authentications from {source?.ToString() ?? "this source"}; retry in {seconds} s")
        {
            RetryAfterSeconds = seconds,
        };
    }

    /// <summary>When set, the response carries <c>Retry-After</c> with this many seconds.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>The <c>Proxy-Authenticate</c> challenge a 407 carries.</summary>
    public const string Challenge = "Basic realm=\"yarp-egress\", charset=\"UTF-8\"";

    /// <summary>A failed dial as the client sees it: the status and error type of its kind, the failure's message.</summary>
    public static ProxyError From(UpstreamConnectException ex) => new(ex.Failure.StatusCode, ex.Failure.ProxyStatus, ex.Message);

    /// <summary>The response body: the message on one line.</summary>
    public string Body => Message + "\n";

    /// <summary>The <c>Proxy-Status</c> header value, e.g. <c>yarp-egress; error=http_request_denied</c>.</summary>
    public string ProxyStatusHeader => $"{ProxyName}; error={ProxyStatus}";
}
