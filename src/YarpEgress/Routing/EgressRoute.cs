using System.Security.Cryptography.X509Certificates;
using YarpEgress.Addressing;
using YarpEgress.Policy;

namespace YarpEgress.Routing;

/// <summary>One compiled route: which destinations it takes, where they are dialed, and whether plain HTTP goes out as HTTPS.</summary>
internal sealed class EgressRoute(int order, HostPattern pattern, int? port) : IHostRule
{
    public int Order { get; } = order;

    public HostPattern Pattern { get; } = pattern;

    /// <summary>A fixed upstream to dial instead of the requested destination.</summary>
    public Destination? Upstream { get; init; }

    /// <summary>The requested host, dialed on this port instead.</summary>
    public int? UpstreamPort { get; init; }

    /// <summary>Plain HTTP leaves as HTTPS.</summary>
    public bool UpstreamTls { get; init; }

    /// <summary>With TLS: the server name sent and validated, when not the requested host.</summary>
    public string? Sni { get; init; }

    /// <summary>With TLS: the only CAs trusted, when not the system's.</summary>
    public X509Certificate2Collection? TrustedCas { get; init; }

    /// <summary>A parent HTTP proxy the destination is reached through.</summary>
    public Destination? Via { get; init; }

    /// <summary>The <c>Proxy-Authorization</c> value for the parent, if any.</summary>
    public string? ViaAuthorization { get; init; }

    public bool MatchesPort(int candidate) => port is null || port == candidate;

    /// <summary>Where a requested destination that this route took is dialed (HTTPS on 443 unless a port is given).</summary>
    public Destination DialTarget(in Destination requested)
    {
        if (Upstream is { } fixedUpstream)
        {
            return fixedUpstream;
        }

        if (UpstreamPort is { } upstreamPort)
        {
            return Destination.ForHost(requested.Host, upstreamPort);
        }

        return UpstreamTls ? Destination.ForHost(requested.Host, 443) : requested;
    }
}
