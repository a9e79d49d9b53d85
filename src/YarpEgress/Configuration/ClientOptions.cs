namespace YarpEgress.Configuration;

/// <summary>
/// <c>Egress:Clients:N</c>: a named client, picked by source address and/or proxy credentials, whose Allow and Deny
/// rules apply in addition to the global ones (a global Deny still wins).
/// </summary>
public sealed class ClientOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Source CIDRs the client connects from; empty: any source.</summary>
    public List<string> Sources { get; set; } = [];

    /// <summary>When set, the client must send <c>Proxy-Authorization: Basic</c> with this user and its password.</summary>
    public string? ProxyUser { get; set; }

    /// <summary>The password's hash, as printed by <c>YarpEgress hash-password</c> (never the password itself).</summary>
    [Secret]
    public string? ProxyPasswordHash { get; set; }

    /// <summary>
    /// On Terminate-mode SNI listeners with a <c>ClientCaPath</c>: names (certificate subject CN or DNS SAN) of verified
    /// client certificates that identify this client, as Smokescreen does with mTLS.
    /// </summary>
    public List<string> CertificateNames { get; set; } = [];

    /// <summary>
    /// With <c>Egress:Kubernetes:Enabled</c>: the client's pods are in one of these namespaces, or run as one of the
    /// <see cref="ServiceAccounts"/>. Together with <see cref="Sources"/>, both must hold.
    /// </summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>Service accounts as <c>namespace/name</c> (see <see cref="Namespaces"/>).</summary>
    public List<string> ServiceAccounts { get; set; } = [];

    public List<RuleOptions> Allow { get; set; } = [];

    public List<RuleOptions> Deny { get; set; } = [];
}
