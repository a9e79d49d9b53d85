using YarpEgress.Policy;

namespace YarpEgress.Forwarding;

/// <summary>
/// An HttpContext feature for a plain-HTTP request that leaves as HTTPS: the route, where to dial, and the Host the
/// upstream must see. Set by <see cref="ForwardProxyHandler"/>, read by the transformer and the TLS invoker's connect.
/// </summary>
internal sealed class TlsOrigination(EgressRoute route, Destination dialTarget, string host)
{
    public static readonly HttpRequestOptionsKey<TlsOrigination> Key = new("YarpEgress.TlsOrigination");

    public EgressRoute Route { get; } = route;

    public Destination DialTarget { get; } = dialTarget;

    /// <summary>The requested host: the Host header, and the server name unless the route names another.</summary>
    public string Host { get; } = host;

    public string ServerName => Route.Sni ?? Host;

    /// <summary>What the upstream sees as Host: the requested host, with the port unless it is 443.</summary>
    public string HostHeader => DialTarget.Port == 443 ? Host : $"{Host}:{DialTarget.Port}";
}
