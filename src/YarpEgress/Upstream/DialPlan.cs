using System.Security.Cryptography.X509Certificates;
using YarpEgress.Addressing;
using YarpEgress.Routing;

namespace YarpEgress.Upstream;

/// <summary>
/// Where an allowed destination is dialed, decided once by the gate from the connection's snapshot: the target (the
/// route's fixed upstream or port, else the destination), the parent proxy it is reached through and its
/// authorization, and, for plain HTTP, whether the gateway originates TLS and how. The connector carries it out;
/// nothing after the gate looks the route up again.
/// </summary>
internal readonly record struct DialPlan(Destination Requested, Destination Target, EgressRoute? Route)
{
    /// <summary>A plain-HTTP request's plan, for its forwarder's ConnectCallback (set only when a route changes the dial).</summary>
    public static readonly HttpRequestOptionsKey<DialPlan> Key = new("YarpEgress.DialPlan");

    /// <summary>The plan for a destination that <paramref name="route"/> took (or none did).</summary>
    public static DialPlan For(in Destination requested, EgressRoute? route) => new(requested, route?.DialTarget(requested) ?? requested, route);

    /// <summary>The destination itself, no route.</summary>
    public static DialPlan Direct(in Destination requested) => new(requested, requested, null);

    /// <summary>A parent HTTP proxy to dial first and CONNECT through.</summary>
    public Destination? Via => Route?.Via;

    /// <summary>The <c>Proxy-Authorization</c> value for the parent, if any.</summary>
    public string? ViaAuthorization => Route?.ViaAuthorization;

    /// <summary>Plain HTTP leaves as HTTPS.</summary>
    public bool OriginatesTls => Route?.UpstreamTls == true;

    /// <summary>Whether the dial differs from dialing the requested destination directly.</summary>
    public bool IsRouted => Route is not null;

    /// <summary>With TLS: the server name sent and validated.</summary>
    public string ServerName => Route?.Sni ?? Requested.Host;

    /// <summary>With TLS: the only CAs trusted, when not the system's.</summary>
    public X509Certificate2Collection? TrustedCas => Route?.TrustedCas;

    /// <summary>What the upstream sees as Host: the requested host, with the dialed port unless it is the scheme's default.</summary>
    public string HostHeader => Target.Port == (OriginatesTls ? 443 : 80) ? Requested.Host : $"{Requested.Host}:{Target.Port}";

    /// <summary>What the access log names as the upstream of a routed plain-HTTP request, before the dial says more.</summary>
    public string? Describe() => Via is { } via ? $"via {via}" : OriginatesTls ? $"https://{Target}" : null;
}
