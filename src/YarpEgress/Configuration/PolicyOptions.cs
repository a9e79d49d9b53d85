namespace YarpEgress.Configuration;

/// <summary><c>Egress:Policy</c>: checks beyond the allowlist.</summary>
public sealed class PolicyOptions
{
    /// <summary>
    /// When a CONNECT tunnel starts with a TLS ClientHello, its server name must match the CONNECT host, which stops
    /// domain fronting through an allowed host. Off by default.
    /// </summary>
    public bool RequireTlsSniMatch { get; set; }
}
