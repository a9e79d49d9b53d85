using System.Net;
using YarpEgress.Addressing;
using YarpEgress.Tls;

namespace YarpEgress.Configuration.Compilation;

/// <summary>
/// <c>Egress:Listeners</c> and the admin endpoint: names, addresses and ports that do not clash, the SNI listeners'
/// keys (loading the certificates of Terminate mode), and what a listener may change on reload.
/// </summary>
internal static class ListenerCompiler
{
    /// <summary>Checks every listener and the admin endpoint; returns the loaded TLS material of Terminate-mode listeners, by name.</summary>
    public static Dictionary<string, TlsTermination> Compile(EgressOptions options, ConfigErrors errors)
    {
        var termination = new Dictionary<string, TlsTermination>(StringComparer.OrdinalIgnoreCase);
        if (options.Listeners.Count == 0)
        {
            errors.Add(nameof(EgressOptions.Listeners), "at least one listener is needed");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var endpoints = new Dictionary<(IPAddress, int), string>();
        for (var i = 0; i < options.Listeners.Count; i++)
        {
            var listener = options.Listeners[i];
            var scope = errors.Scope(nameof(EgressOptions.Listeners), i);
            if (string.IsNullOrWhiteSpace(listener.Name))
            {
                scope.Add(nameof(listener.Name), "a listener needs a name");
            }
            else if (!names.Add(listener.Name))
            {
                scope.Add(nameof(listener.Name), $"'{listener.Name}' is used by another listener");
            }

            Endpoint(scope, listener.Address, listener.Port, endpoints);
            if (listener.Protocol == ListenerProtocol.Sni)
            {
                Sni(listener, scope, termination);
            }
            else if (listener.UpstreamPort is not null || listener.DefaultHost is not null || listener.Tls is not null)
            {
                scope.Add("UpstreamPort, DefaultHost and Tls apply to Sni listeners only");
            }
        }

        Endpoint(errors.Scope(nameof(EgressOptions.Admin)), options.Admin.Address, options.Admin.Port, endpoints);
        return termination;
    }

    /// <summary>Validates <c>OriginForm</c> and <c>ProxyProtocol</c> of every listener: the settings that reload live, by listener name.</summary>
    public static Dictionary<string, ListenerSettings> Settings(List<ListenerOptions> listeners, ConfigErrors errors)
    {
        var settings = new Dictionary<string, ListenerSettings>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < listeners.Count; i++)
        {
            var listener = listeners[i];
            var scope = errors.Scope(nameof(EgressOptions.Listeners), i);
            if (listener.OriginForm is not null && listener.Protocol != ListenerProtocol.Http)
            {
                scope.Add(nameof(listener.OriginForm), "applies to Http listeners only");
            }

            var sources = scope.Networks($"{nameof(listener.ProxyProtocol)}:{nameof(ProxyProtocolOptions.TrustedSources)}", listener.ProxyProtocol?.TrustedSources ?? []);
            settings.TryAdd(listener.Name, new ListenerSettings(listener.OriginForm ?? OriginFormMode.Forward, sources));
        }

        return settings;
    }

    private static void Sni(ListenerOptions listener, ConfigErrors errors, Dictionary<string, TlsTermination> termination)
    {
        errors.Port(nameof(listener.UpstreamPort), listener.UpstreamPort);
        if (listener.DefaultHost is { } defaultHost && !Destination.TryParse(defaultHost, defaultPort: 443, out _, out var hostError))
        {
            errors.Add(nameof(listener.DefaultHost), hostError);
        }

        var tls = listener.Tls ?? new SniTlsOptions();
        if (tls.Mode == SniTlsMode.Terminate)
        {
            if (TlsTermination.Load(tls.CertificatePath, tls.KeyPath, tls.ClientCaPath, errors.Scope(nameof(listener.Tls))) is { } loaded)
            {
                termination[listener.Name] = loaded;
            }
        }
        else if (tls.CertificatePath is not null || tls.KeyPath is not null || tls.ClientCaPath is not null)
        {
            errors.Add(nameof(listener.Tls), "certificate paths apply to Mode Terminate only; Passthrough never touches TLS");
        }
    }

    /// <summary>An address and a listening port (0 picks a free one) that no other endpoint uses.</summary>
    private static void Endpoint(ConfigErrors errors, string address, int port, Dictionary<(IPAddress, int), string> seen)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            errors.Add(nameof(ListenerOptions.Address), $"'{address}' is not an IP address (use 0.0.0.0 or :: for all interfaces)");
        }

        if (port == -1)
        {
            errors.Add(nameof(ListenerOptions.Port), "a port is needed");
        }
        else if (port is < 0 or > 65535)
        {
            errors.Add(nameof(ListenerOptions.Port), $"{port} is not a port (0-65535, 0 picks a free one)");
        }
        else if (ip is not null && port != 0 && !seen.TryAdd((ip, port), errors.Key))
        {
            errors.Add($"{address}:{port} is already used by {seen[(ip, port)]}");
        }
    }
}
