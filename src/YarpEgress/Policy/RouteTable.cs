namespace YarpEgress.Policy;

/// <summary>The compiled <c>Egress:Routes</c>: the first route whose host pattern and port match decides where to dial.</summary>
internal sealed class RouteTable
{
    public static readonly RouteTable Empty = new([]);

    private readonly HostRuleIndex<EgressRoute> _routes = new();

    public RouteTable(IEnumerable<EgressRoute> routes)
    {
        foreach (var route in routes)
        {
            _routes.Add(route);
        }
    }

    public int Count => _routes.Count;

    /// <summary>The first route that takes the destination (IP literals are never routed), or null.</summary>
    public EgressRoute? Find(in Destination requested) =>
        requested.IsAddress || _routes.Count == 0 ? null : _routes.FindFirst(requested.Host, requested.Port);

    /// <summary>Where to dial for a requested destination: as its route says, or the destination itself.</summary>
    public Destination DialTarget(in Destination requested) => Find(requested) is { } route ? route.DialTarget(requested) : requested;
}
