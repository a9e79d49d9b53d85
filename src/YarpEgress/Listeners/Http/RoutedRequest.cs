using YarpEgress.Addressing;
using YarpEgress.Routing;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// An HttpContext feature for a plain-HTTP request that a route sends out as HTTPS or through a parent proxy: the route,
/// where to dial, and the Host the upstream must see. Set by <see cref="ForwardProxyHandler"/>, read by the transformer
/// and by the TLS invoker's connect.
/// </summary>
internal sealed class RoutedRequest(EgressRoute route, Destination dialTarget, string host)
{
    public static readonly HttpRequestOptionsKey<RoutedRequest> Key = new("YarpEgress.RoutedRequest");

    public EgressRoute Route { get; } = route;

    public Destination DialTarget { get; } = dialTarget;

    /// <summary>The requested host: the Host header, and the TLS server name unless the route names another.</summary>
    public string Host { get; } = host;

    public string ServerName => Route.Sni ?? Host;

    /// <summary>What the upstream sees as Host: the requested host, with the dialed port unless it is the scheme's default.</summary>
    public string HostHeader => DialTarget.Port == (Route.UpstreamTls ? 443 : 80) ? Host : $"{Host}:{DialTarget.Port}";
}
