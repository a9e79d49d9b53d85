namespace YarpEgress.Configuration;

/// <summary><c>Egress:Http</c>: plain-HTTP forwarding (both request forms).</summary>
public sealed class HttpOptions
{
    /// <summary>What <see cref="StripRequestHeaders"/> is when the config does not set it: what Istio sidecars add about the pod.</summary>
    public static readonly IReadOnlyList<string> DefaultStripRequestHeaders = ["x-envoy-*", "x-forwarded-client-cert"];

    /// <summary>
    /// Request header names never forwarded (case-insensitive; a trailing <c>*</c> matches any rest). Null: the
    /// default list; <c>[]</c>: keep every header.
    /// </summary>
    public List<string>? StripRequestHeaders { get; set; }

    /// <summary>
    /// <c>None</c> (the default): no <c>Via</c> is added. A pseudonym (a token, e.g. <c>yarp-egress</c>): forwarded
    /// requests and responses get <c>Via: 1.1 pseudonym</c> (RFC 9110 7.6.3).
    /// </summary>
    public string Via { get; set; } = "None";
}
