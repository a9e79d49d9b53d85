namespace YarpEgress.Configuration;

/// <summary><c>Egress:PrivateNetworks</c>: the address policy that keeps the gateway from reaching into the cluster.</summary>
public sealed class PrivateNetworkOptions
{
    /// <summary>CIDRs let through although private (loopback, RFC 1918, link-local, ...): e.g. <c>10.20.0.0/16</c>.</summary>
    public List<string> Allow { get; set; } = [];
}
