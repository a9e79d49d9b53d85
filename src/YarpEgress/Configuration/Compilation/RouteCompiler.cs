using System.Security.Cryptography.X509Certificates;
using YarpEgress.Addressing;
using YarpEgress.Policy;
using YarpEgress.Routing;
using YarpEgress.Tls;

namespace YarpEgress.Configuration.Compilation;

/// <summary>
/// <c>Egress:Routes</c>: how an allowed destination is reached. Maps each <see cref="RouteOptions"/> (what was written)
/// to an <see cref="EgressRoute"/> (what is dialed): another upstream or port, TLS to the upstream with its own CAs,
/// or a parent proxy.
/// </summary>
internal static class RouteCompiler
{
    private const string ViaScheme = "http://";

    public static RouteTable Compile(List<RouteOptions> list, ConfigErrors errors)
    {
        var routes = new List<EgressRoute>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            if (Compile(list[i], i, errors.Scope(nameof(EgressOptions.Routes), i)) is { } route)
            {
                routes.Add(route);
            }
        }

        return new RouteTable(routes);
    }

    private static EgressRoute? Compile(RouteOptions route, int index, ConfigErrors errors)
    {
        var mark = errors.Mark();
        if (!HostPattern.TryParse(route.Host, out var pattern, out var error))
        {
            errors.Add(nameof(route.Host), error);
        }

        errors.Port(nameof(route.Port), route.Port);
        var upstream = Upstream(route, errors);
        var via = Via(route, errors);
        if (string.IsNullOrWhiteSpace(route.Upstream) && route.UpstreamPort is null && !route.UpstreamTls && route.Via is null)
        {
            errors.Add("a route needs Upstream, UpstreamPort, UpstreamTls or Via");
        }

        var cas = UpstreamTls(route, errors);
        return errors.HasErrorsSince(mark)
            ? null
            : new EgressRoute(index, pattern, route.Port)
            {
                Upstream = upstream,
                UpstreamPort = route.UpstreamPort,
                UpstreamTls = route.UpstreamTls,
                Sni = route.Sni,
                TrustedCas = cas,
                Via = via,
                ViaAuthorization = route.ViaAuthorization,
            };
    }

    /// <summary><c>Upstream</c> (host:port) or <c>UpstreamPort</c> (the same host), not both.</summary>
    private static Destination? Upstream(RouteOptions route, ConfigErrors errors)
    {
        Destination? upstream = null;
        if (!string.IsNullOrWhiteSpace(route.Upstream))
        {
            if (Destination.TryParse(route.Upstream, defaultPort: null, out var parsed, out var error))
            {
                upstream = parsed;
            }
            else
            {
                errors.Add(nameof(route.Upstream), error);
            }
        }

        errors.Port(nameof(route.UpstreamPort), route.UpstreamPort);
        if (route.Upstream is not null && route.UpstreamPort is not null)
        {
            errors.Add("give Upstream (host:port) or UpstreamPort (same host), not both");
        }

        return upstream;
    }

    /// <summary><c>Via</c>: a plain-HTTP parent proxy, with the <c>ViaAuthorization</c> it may need.</summary>
    private static Destination? Via(RouteOptions route, ConfigErrors errors)
    {
        if (route.Via is null)
        {
            if (route.ViaAuthorization is not null)
            {
                errors.Add(nameof(route.ViaAuthorization), "applies with Via only");
            }

            return null;
        }

        Destination? via = null;
        if (!route.Via.StartsWith(ViaScheme, StringComparison.OrdinalIgnoreCase)
            || !Destination.TryParse(route.Via.AsSpan(ViaScheme.Length).TrimEnd('/'), defaultPort: 3128, out var parent, out _))
        {
            errors.Add(nameof(route.Via), $"'{route.Via}' is not a parent proxy address such as http://proxy.corp:3128");
        }
        else
        {
            via = parent;
        }

        if (route.UpstreamTls)
        {
            errors.Add("Via and UpstreamTls do not combine (the parent proxy carries plain HTTP as it is)");
        }

        return via;
    }

    /// <summary><c>Sni</c> and <c>CaPath</c>, which apply with <c>UpstreamTls</c>; returns the CAs loaded from <c>CaPath</c>.</summary>
    private static X509Certificate2Collection? UpstreamTls(RouteOptions route, ConfigErrors errors)
    {
        if (!route.UpstreamTls && (route.Sni is not null || route.CaPath is not null))
        {
            errors.Add("Sni and CaPath apply with UpstreamTls only");
        }

        if (route.Sni is not null && !HostName.TryNormalize(route.Sni, wildcards: false, out _, out var error))
        {
            errors.Add(nameof(route.Sni), $"'{route.Sni}' is not a valid host name: {error}");
        }

        return route.CaPath is null ? null : CertificateTrust.LoadCas(route.CaPath, errors.Scope(nameof(route.CaPath)));
    }
}
