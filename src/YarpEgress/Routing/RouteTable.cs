using YarpEgress.Addressing;
using YarpEgress.Policy;
namespace YarpEgress.Routing;

/// <summary>
/// The compiled <c>Egress:Routes</c>: the first route whose host pattern and port match decides how to reach a
/// destination. <c>UpstreamTls</c> routes concern plain-HTTP requests only, so connections (tunnels, SNI, and the
/// plain-HTTP dials that take no TLS route) look them up without those.
/// </summary>
internal sealed class RouteTable
{
    private readonly HostRuleIndex<EgressRoute> _all = new();
    private readonly HostRuleIndex<EgressRoute> _connections = new();

    public RouteTable(IEnumerable<EgressRoute> routes)
    {
        foreach (var route in routes)
        {
            _all.Add(route);
            if (!route.UpstreamTls)
            {
                _connections.Add(route);
            }
        }
    }

    /// <summary>For a plain-HTTP request: the first route that takes the destination (IP literals are never routed), or null.</summary>
    public EgressRoute? Find(in Destination requested) => Find(_all, requested);

    /// <summary>For a connection to dial: the first route that takes it, leaving out routes that originate TLS.</summary>
    public EgressRoute? FindForConnection(in Destination requested) => Find(_connections, requested);

    private static EgressRoute? Find(HostRuleIndex<EgressRoute> index, in Destination requested) =>
        requested.IsAddress || index.Count == 0 ? null : index.FindFirst(requested.Host, requested.Port);
}
