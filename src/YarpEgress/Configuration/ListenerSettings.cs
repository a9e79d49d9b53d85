using System.Net;

namespace YarpEgress.Configuration;

/// <summary>
/// What a listener does that may change on reload (unlike its address, port, protocol and TLS mode): how an HTTP
/// listener treats origin-form requests, and which peers are load balancers that send a PROXY protocol header.
/// </summary>
internal sealed class ListenerSettings(OriginFormMode originForm, IReadOnlyList<IPNetwork> trustedProxySources)
{
    public static readonly ListenerSettings Default = new(OriginFormMode.Forward, []);

    public OriginFormMode OriginForm { get; } = originForm;

    /// <summary><c>ProxyProtocol:TrustedSources</c>: peers whose connections must start with a PROXY header.</summary>
    public IReadOnlyList<IPNetwork> TrustedProxySources { get; } = trustedProxySources;

    /// <summary>True when the peer is a trusted load balancer (an IPv4-mapped IPv6 peer counts as its IPv4 address).</summary>
    public bool TrustsProxyHeaderFrom(IPAddress? peer)
    {
        if (peer is null || TrustedProxySources.Count == 0)
        {
            return false;
        }

        if (peer.IsIPv4MappedToIPv6)
        {
            peer = peer.MapToIPv4();
        }

        foreach (var network in TrustedProxySources)
        {
            if (network.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }
}
