namespace YarpEgress.Configuration;

/// <summary><c>Egress:Policy</c>: checks beyond the allowlist.</summary>
public sealed class PolicyOptions
{
    /// <summary>
    /// A CONNECT tunnel must start with a TLS ClientHello whose server name is the CONNECT host, within
    /// <c>Timeouts:ClientHello</c>, or it is closed; this stops domain fronting through an allowed host. Off by default.
    /// </summary>
    public bool RequireTlsSniMatch { get; set; }

    /// <summary>
    /// With <see cref="RequireTlsSniMatch"/>: destination ports (<c>22</c>, <c>8000-8100</c>) whose tunnels are relayed
    /// unchecked, for protocols that are not TLS (SSH, server-speaks-first protocols). Empty: none.
    /// </summary>
    public List<string> SniMatchExemptPorts { get; set; } = [];
}
