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

    /// <summary>Where to dial for a requested destination: a route's fixed upstream, or the destination itself.</summary>
    public Destination DialTarget(in Destination requested) =>
        requested.IsAddress || _routes.Count == 0 ? requested : _routes.FindFirst(requested.Host, requested.Port)?.Upstream ?? requested;
}
