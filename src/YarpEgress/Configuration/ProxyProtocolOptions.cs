namespace YarpEgress.Configuration;

/// <summary>
/// <c>Egress:Listeners:N:ProxyProtocol</c>: load balancers that announce the real client with a PROXY protocol
/// header (v1 text or v2 binary). Reloads live.
/// </summary>
public sealed class ProxyProtocolOptions
{
    /// <summary>Peer CIDRs whose connections must start with a PROXY header; from any other peer a PROXY header is refused.</summary>
    public List<string> TrustedSources { get; set; } = [];
}
