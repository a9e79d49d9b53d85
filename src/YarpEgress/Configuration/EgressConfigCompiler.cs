using System.Net;
using YarpEgress.Addressing;
using YarpEgress.Policy;
using YarpEgress.Policy.Clients;
using YarpEgress.Policy.Headers;
using YarpEgress.Routing;
using YarpEgress.Tls;

namespace YarpEgress.Configuration;

/// <summary>
/// Validates bound <see cref="EgressOptions"/> and compiles them into an <see cref="EgressSnapshot"/>. Every problem is
/// added to the error list with its key path (<c>Egress:Allow:3:Host: ...</c>), so an operator sees them all at once.
/// </summary>
internal static class EgressConfigCompiler
{
    private const string Root = EgressOptions.SectionName;

    public static EgressSnapshot? Compile(EgressOptions options, List<string> errors)
    {
        var before = errors.Count;
        var termination = ValidateListeners(options, errors);
        var listenerSettings = ListenerSettings.Compile(options.Listeners, Root, errors);
        var strip = HeaderStripList.Compile(options.Http.StripRequestHeaders ?? HttpOptions.DefaultStripRequestHeaders, $"{Root}:Http:StripRequestHeaders", errors);
        var via = ViaHeader.Compile(options.Http.Via, $"{Root}:Http:Via", errors);
        var rules = new List<PolicyRule>();
        CompileRules(options.Allow, RuleKind.Allow, $"{Root}:Allow", rules, errors);
        CompileRules(options.Deny, RuleKind.Deny, $"{Root}:Deny", rules, errors);
        var clients = CompileClients(options.Clients, errors);
        var routes = CompileRoutes(options.Routes, errors);
        var pins = HostPins.Parse(options.Hosts, $"{Root}:Hosts", errors);
        var privateAllow = ParseNetworks(options.PrivateNetworks.Allow, $"{Root}:PrivateNetworks:Allow", errors);
        ValidateDns(options.Dns, errors);
        ValidateCircuitBreaker(options.CircuitBreaker, errors);
        ValidateTimeouts(options.Timeouts, errors);
        ValidateLimits(options.Limits, errors);
        ValidateTelemetry(options.Telemetry, errors);
        if (options.Memory.IdleTrimAfter < TimeSpan.Zero)
        {
            errors.Add($"{Root}:Memory:IdleTrimAfter: must not be negative (00:00:00 turns it off), got {options.Memory.IdleTrimAfter}");
        }

        var adminHosts = AdminHostFilter.Parse(options.Admin.AllowedHosts, $"{Root}:Admin:AllowedHosts", errors);
        var sniExempt = options.Policy.SniMatchExemptPorts.Count == 0 ? PortSet.None : PortSet.Parse(options.Policy.SniMatchExemptPorts, $"{Root}:Policy:SniMatchExemptPorts", errors);
        return errors.Count > before
            ? null
            : new EgressSnapshot(options, new EgressPolicy(rules, options.Mode == EnforcementMode.Report), clients, routes, pins, termination, privateAllow)
            {
                AdminHosts = adminHosts,
                SniMatchExemptPorts = sniExempt ?? PortSet.None,
                ListenerSettingsByName = listenerSettings,
                StripRequestHeaders = strip,
                Via = via,
            };
    }

    private static Dictionary<string, TlsTermination> ValidateListeners(EgressOptions options, List<string> errors)
    {
        var termination = new Dictionary<string, TlsTermination>(StringComparer.OrdinalIgnoreCase);
        if (options.Listeners.Count == 0)
        {
            errors.Add($"{Root}:Listeners: at least one listener is needed");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var endpoints = new Dictionary<(IPAddress, int), string>();
        for (var i = 0; i < options.Listeners.Count; i++)
        {
            var listener = options.Listeners[i];
            var key = $"{Root}:Listeners:{i}";
            if (string.IsNullOrWhiteSpace(listener.Name))
            {
                errors.Add($"{key}:Name: a listener needs a name");
            }
            else if (!names.Add(listener.Name))
            {
                errors.Add($"{key}:Name: '{listener.Name}' is used by another listener");
            }

            ValidateEndpoint(key, listener.Address, listener.Port, endpoints, errors);
            if (listener.Protocol == ListenerProtocol.Sni)
            {
                ValidateSni(listener, key, termination, errors);
            }
            else if (listener.UpstreamPort is not null || listener.DefaultHost is not null || listener.Tls is not null)
            {
                errors.Add($"{key}: UpstreamPort, DefaultHost and Tls apply to Sni listeners only");
            }
        }

        ValidateEndpoint($"{Root}:Admin", options.Admin.Address, options.Admin.Port, endpoints, errors);
        return termination;
    }

    private static void ValidateSni(ListenerOptions listener, string key, Dictionary<string, TlsTermination> termination, List<string> errors)
    {
        if (listener.UpstreamPort is { } upstreamPort && upstreamPort is < 1 or > 65535)
        {
            errors.Add($"{key}:UpstreamPort: {upstreamPort} is not a port (1-65535)");
        }

        if (listener.DefaultHost is { } defaultHost && !Destination.TryParse(defaultHost, defaultPort: 443, out _, out var hostError))
        {
            errors.Add($"{key}:DefaultHost: {hostError}");
        }

        var tls = listener.Tls ?? new SniTlsOptions();
        if (tls.Mode == SniTlsMode.Terminate)
        {
            if (TlsTermination.Load(tls, $"{key}:Tls", errors) is { } loaded)
            {
                termination[listener.Name] = loaded;
            }
        }
        else if (tls.CertificatePath is not null || tls.KeyPath is not null || tls.ClientCaPath is not null)
        {
            errors.Add($"{key}:Tls: certificate paths apply to Mode Terminate only; Passthrough never touches TLS");
        }
    }

    private static void ValidateEndpoint(string key, string address, int port, Dictionary<(IPAddress, int), string> seen, List<string> errors)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            errors.Add($"{key}:Address: '{address}' is not an IP address (use 0.0.0.0 or :: for all interfaces)");
        }

        if (port == -1)
        {
            errors.Add($"{key}:Port: a port is needed");
        }
        else if (port is < 0 or > 65535)
        {
            errors.Add($"{key}:Port: {port} is not a port (0-65535, 0 picks a free one)");
        }
        else if (ip is not null && port != 0 && !seen.TryAdd((ip, port), key))
        {
            errors.Add($"{key}: {address}:{port} is already used by {seen[(ip, port)]}");
        }
    }

    private static ClientDirectory CompileClients(List<ClientOptions> list, List<string> errors)
    {
        var clients = new List<ClientPolicy>(list.Count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < list.Count; i++)
        {
            var client = list[i];
            var key = $"{Root}:Clients:{i}";
            var before = errors.Count;
            if (string.IsNullOrWhiteSpace(client.Name) || !names.Add(client.Name))
            {
                errors.Add($"{key}:Name: {(string.IsNullOrWhiteSpace(client.Name) ? "a client needs a name" : $"'{client.Name}' is used by another client")}");
            }

            var sources = ParseNetworks(client.Sources, $"{key}:Sources", errors);
            PasswordHash? password = null;
            if (client.ProxyUser is not null)
            {
                if (string.IsNullOrEmpty(client.ProxyUser) || client.ProxyUser.Contains(':', StringComparison.Ordinal))
                {
                    errors.Add($"{key}:ProxyUser: a user name, without ':'");
                }

                if (!PasswordHash.TryParse(client.ProxyPasswordHash, out password))
                {
                    errors.Add($"{key}:ProxyPasswordHash: give the hash printed by 'YarpEgress hash-password' (pbkdf2-sha256$...), never the password");
                }
            }
            else if (client.ProxyPasswordHash is not null)
            {
                errors.Add($"{key}:ProxyPasswordHash: applies with ProxyUser only");
            }

            if (client.Sources.Count == 0 && client.ProxyUser is null && client.CertificateNames.Count == 0)
            {
                errors.Add($"{key}: a client needs Sources, a ProxyUser or CertificateNames");
            }

            var rules = new List<PolicyRule>();
            CompileRules(client.Allow, RuleKind.Allow, $"{key}:Allow", rules, errors);
            CompileRules(client.Deny, RuleKind.Deny, $"{key}:Deny", rules, errors);
            if (errors.Count == before)
            {
                RuleSet allow = new(), deny = new();
                foreach (var rule in rules)
                {
                    (rule.Kind == RuleKind.Allow ? allow : deny).Add(rule);
                }

                clients.Add(new ClientPolicy(client.Name, sources, client.ProxyUser, password, client.CertificateNames, allow, deny));
            }
        }

        return new ClientDirectory(clients);
    }

    private static void CompileRules(List<RuleOptions> list, RuleKind kind, string listKey, List<PolicyRule> rules, List<string> errors)
    {
        for (var i = 0; i < list.Count; i++)
        {
            var rule = list[i];
            var key = $"{listKey}:{i}";
            var ports = rule.Ports is null
                ? (kind == RuleKind.Allow ? PortSet.Web : PortSet.All)
                : PortSet.Parse(rule.Ports, $"{key}:Ports", errors);

            var reportOnly = rule.Mode == EnforcementMode.Report;
            if (reportOnly && kind == RuleKind.Allow)
            {
                errors.Add($"{key}:Mode: Report applies to Deny rules (or to the whole policy with {Root}:Mode)");
            }

            var hasHost = !string.IsNullOrWhiteSpace(rule.Host);
            var hasCidr = !string.IsNullOrWhiteSpace(rule.Cidr);
            if (hasHost == hasCidr)
            {
                errors.Add($"{key}: give either Host or Cidr{(hasHost ? ", not both" : string.Empty)}");
                continue;
            }

            if (hasHost)
            {
                if (!HostPattern.TryParse(rule.Host, out var pattern, out var error))
                {
                    errors.Add($"{key}:Host: {error}");
                }
                else if (ports is not null)
                {
                    rules.Add(PolicyRule.ForHost(kind, i, pattern, ports, reportOnly));
                }
            }
            else if (!TryParseNetwork(rule.Cidr!, out var network))
            {
                errors.Add($"{key}:Cidr: '{rule.Cidr}' is not a CIDR range (address/prefix with no host bits set, or one address)");
            }
            else if (ports is not null)
            {
                rules.Add(PolicyRule.ForNetwork(kind, i, network, ports, reportOnly));
            }
        }
    }

    internal static bool TryParseNetwork(string text, out IPNetwork network)
    {
        text = text.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (IPNetwork.TryParse(text, out network))
        {
            // Reject host bits beyond the prefix ("10.0.0.1/8"): the writer meant something the range does not say.
            return IPAddress.TryParse(text.AsSpan(0, slash), out var written) && written.Equals(network.BaseAddress);
        }

        if (!text.Contains('/') && IPAddress.TryParse(text, out var single))
        {
            network = new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    private static RouteTable CompileRoutes(List<RouteOptions> list, List<string> errors)
    {
        var routes = new List<EgressRoute>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var route = list[i];
            var key = $"{Root}:Routes:{i}";
            var before = errors.Count;
            if (!HostPattern.TryParse(route.Host, out var pattern, out var error))
            {
                errors.Add($"{key}:Host: {error}");
            }

            if (route.Port is { } port && port is < 1 or > 65535)
            {
                errors.Add($"{key}:Port: {port} is not a port (1-65535)");
            }

            Destination? upstream = null;
            if (!string.IsNullOrWhiteSpace(route.Upstream))
            {
                if (Destination.TryParse(route.Upstream, defaultPort: null, out var parsed, out error))
                {
                    upstream = parsed;
                }
                else
                {
                    errors.Add($"{key}:Upstream: {error}");
                }
            }

            if (route.UpstreamPort is { } upstreamPort && upstreamPort is < 1 or > 65535)
            {
                errors.Add($"{key}:UpstreamPort: {upstreamPort} is not a port (1-65535)");
            }

            if (route.Upstream is not null && route.UpstreamPort is not null)
            {
                errors.Add($"{key}: give Upstream (host:port) or UpstreamPort (same host), not both");
            }

            Destination? via = null;
            if (route.Via is not null)
            {
                const string scheme = "http://";
                if (!route.Via.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
                    || !Destination.TryParse(route.Via.AsSpan(scheme.Length).TrimEnd('/'), defaultPort: 3128, out var parent, out error))
                {
                    errors.Add($"{key}:Via: '{route.Via}' is not a parent proxy address such as http://proxy.corp:3128");
                }
                else
                {
                    via = parent;
                }

                if (route.UpstreamTls)
                {
                    errors.Add($"{key}: Via and UpstreamTls do not combine (the parent proxy carries plain HTTP as it is)");
                }
            }
            else if (route.ViaAuthorization is not null)
            {
                errors.Add($"{key}:ViaAuthorization: applies with Via only");
            }

            if (string.IsNullOrWhiteSpace(route.Upstream) && route.UpstreamPort is null && !route.UpstreamTls && route.Via is null)
            {
                errors.Add($"{key}: a route needs Upstream, UpstreamPort, UpstreamTls or Via");
            }

            if (!route.UpstreamTls && (route.Sni is not null || route.CaPath is not null))
            {
                errors.Add($"{key}: Sni and CaPath apply with UpstreamTls only");
            }

            if (route.Sni is not null && !HostName.TryNormalize(route.Sni, wildcards: false, out _, out error))
            {
                errors.Add($"{key}:Sni: '{route.Sni}' is not a valid host name: {error}");
            }

            var cas = route.CaPath is null ? null : CertificateTrust.LoadCas(route.CaPath, $"{key}:CaPath", errors);
            if (errors.Count == before)
            {
                routes.Add(new EgressRoute(i, pattern, route.Port)
                {
                    Upstream = upstream,
                    UpstreamPort = route.UpstreamPort,
                    UpstreamTls = route.UpstreamTls,
                    Sni = route.Sni,
                    TrustedCas = cas,
                    Via = via,
                    ViaAuthorization = route.ViaAuthorization,
                });
            }
        }

        return new RouteTable(routes);
    }

    internal static List<IPNetwork> ParseNetworks(List<string> entries, string key, List<string> errors)
    {
        var networks = new List<IPNetwork>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            if (TryParseNetwork(entries[i], out var network))
            {
                networks.Add(network);
            }
            else
            {
                errors.Add($"{key}:{i}: '{entries[i]}' is not a CIDR range (address/prefix with no host bits set, or one address)");
            }
        }

        return networks;
    }

    private static void ValidateDns(DnsOptions dns, List<string> errors)
    {
        if (dns.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"{Root}:Dns:Timeout: must be positive, got {dns.Timeout}");
        }

        if (dns.CacheTtl < TimeSpan.Zero)
        {
            errors.Add($"{Root}:Dns:CacheTtl: must be zero (no cache) or positive, got {dns.CacheTtl}");
        }

        if (dns.MaxCacheEntries < 1)
        {
            errors.Add($"{Root}:Dns:MaxCacheEntries: must be at least 1, got {dns.MaxCacheEntries}");
        }
    }

    private static void ValidateCircuitBreaker(CircuitBreakerOptions breaker, List<string> errors)
    {
        const string key = $"{Root}:CircuitBreaker";
        if (breaker.FailureRatio is <= 0 or > 1)
        {
            errors.Add($"{key}:FailureRatio: {breaker.FailureRatio} is outside (0, 1]");
        }

        if (breaker.MinimumThroughput < 2)
        {
            errors.Add($"{key}:MinimumThroughput: must be at least 2, got {breaker.MinimumThroughput}");
        }

        if (breaker.SamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"{key}:SamplingDuration: must be at least 00:00:00.5, got {breaker.SamplingDuration}");
        }

        if (breaker.BreakDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"{key}:BreakDuration: must be at least 00:00:00.5, got {breaker.BreakDuration}");
        }
    }

    private static void ValidateTimeouts(TimeoutOptions timeouts, List<string> errors)
    {
        Positive(timeouts.Connect, nameof(timeouts.Connect));
        Positive(timeouts.RequestHead, nameof(timeouts.RequestHead));
        Positive(timeouts.ClientHello, nameof(timeouts.ClientHello));
        Positive(timeouts.ConnectAttempt, nameof(timeouts.ConnectAttempt));
        Positive(timeouts.TunnelIdle, nameof(timeouts.TunnelIdle));
        if (timeouts.TunnelLifetime is { } lifetime)
        {
            Positive(lifetime, nameof(timeouts.TunnelLifetime));
        }

        NotNegative(timeouts.DrainDelay, nameof(timeouts.DrainDelay));
        NotNegative(timeouts.Drain, nameof(timeouts.Drain));
        Positive(timeouts.HttpActivity, nameof(timeouts.HttpActivity));
        Positive(timeouts.UpstreamHttpIdle, nameof(timeouts.UpstreamHttpIdle));

        void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{Root}:Timeouts:{name}: must be positive, got {value}");
            }
        }

        void NotNegative(TimeSpan value, string name)
        {
            if (value < TimeSpan.Zero)
            {
                errors.Add($"{Root}:Timeouts:{name}: must not be negative, got {value}");
            }
        }
    }

    private static void ValidateTelemetry(TelemetryOptions telemetry, List<string> errors)
    {
        if (telemetry.MaxDestinationLabels is < 0 or > 100_000)
        {
            errors.Add($"{Root}:Telemetry:MaxDestinationLabels: {telemetry.MaxDestinationLabels} is outside 0-100000");
        }

        if (telemetry.MaxListedConnections is < 0 or > 100_000)
        {
            errors.Add($"{Root}:Telemetry:MaxListedConnections: {telemetry.MaxListedConnections} is outside 0-100000");
        }
    }

    private static void ValidateLimits(LimitOptions limits, List<string> errors)
    {
        if (limits.MaxRequestHeadBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add($"{Root}:Limits:MaxRequestHeadBytes: {limits.MaxRequestHeadBytes} is outside 1024-1048576");
        }

        if (limits.MaxConnectionsPerListener < 0)
        {
            errors.Add($"{Root}:Limits:MaxConnectionsPerListener: must be 0 (no limit) or more, got {limits.MaxConnectionsPerListener}");
        }

        if (limits.MaxConnectionsPerClient < 0)
        {
            errors.Add($"{Root}:Limits:MaxConnectionsPerClient: must be 0 (no limit) or more, got {limits.MaxConnectionsPerClient}");
        }

        if (limits.MaxClientHelloBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add($"{Root}:Limits:MaxClientHelloBytes: {limits.MaxClientHelloBytes} is outside 1024-1048576");
        }

        if (limits.MaxUpstreamHttpConnections is < 1 or > 1_000_000)
        {
            errors.Add($"{Root}:Limits:MaxUpstreamHttpConnections: {limits.MaxUpstreamHttpConnections} is outside 1-1000000");
        }

        if (limits.MaxUpstreamHttpConnectionsPerDestination is < 1 or > 1_000_000)
        {
            errors.Add($"{Root}:Limits:MaxUpstreamHttpConnectionsPerDestination: {limits.MaxUpstreamHttpConnectionsPerDestination} is outside 1-1000000");
        }
    }
}
