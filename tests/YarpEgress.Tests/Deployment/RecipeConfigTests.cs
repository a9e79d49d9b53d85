using System.Globalization;
using System.Text.Json.Nodes;
using YarpEgress.Addressing;
using YarpEgress.Configuration;
using YarpEgress.Policy;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// Each recipe folder documents itself, carries the gateway config it needs, and that config is what the shipped
/// gateway runs; every host a recipe routes to the gateway is allowed on the port it arrives at.
/// </summary>
public sealed class RecipeConfigTests
{
    private static readonly string ComponentConfigPath = RepositoryFiles.PathOf("k8s", "components", "tcp-over-tls", "egress.json");

    public static TheoryData<string> Recipes() => [.. ManifestFiles.Recipes];

    private static bool HasIstioObjects(string recipe) => ManifestFiles.In(recipe).Any(d => IstioSchemas.IsIstio(d.Json.Text("apiVersion")!));

    /// <summary>The config the recipe's gateway runs: the base, or the tcp-over-tls component's for a terminating listener.</summary>
    private static string DeployedPath(string fragment) =>
        JsonNode.Parse(File.ReadAllText(fragment)).Items("Egress", "Listeners").Any(l => l.At("Tls") is not null) ? ComponentConfigPath : GatewayConfigs.BasePath;

    [Theory]
    [MemberData(nameof(Recipes))]
    public void Each_recipe_README_says_its_Istio_versions_apply_order_and_how_to_check_it(string recipe)
    {
        var readme = File.ReadAllText(RepositoryFiles.PathOf(recipe, "README.md"));
        Assert.Contains("**Istio**", readme, StringComparison.Ordinal);
        Assert.Contains("## Apply", readme, StringComparison.Ordinal);
        Assert.Contains("## Check", readme, StringComparison.Ordinal);
        Assert.Contains("curl", readme[readme.IndexOf("## Check", StringComparison.Ordinal)..], StringComparison.Ordinal);
        if (HasIstioObjects(recipe))
        {
            Assert.Contains("1.22 or later", readme, StringComparison.Ordinal);
            Assert.Contains("istioctl proxy-config", readme, StringComparison.Ordinal);
            Assert.True(File.Exists(RepositoryFiles.PathOf(recipe, "kustomization.yaml")), $"{recipe}: no kustomization.yaml for `kubectl apply -k`");
            Assert.Contains($"kubectl apply -k {recipe}/", readme, StringComparison.Ordinal);
        }

        var routesToGateway = ManifestFiles.In(recipe).Any(d => d.Kind == "VirtualService") || ManifestFiles.In(recipe).Any(d => d.Text.Contains("_proxy", StringComparison.OrdinalIgnoreCase));
        Assert.True(!routesToGateway || ManifestFiles.Fragment(recipe) is not null, $"{recipe} sends traffic to the gateway but carries no egress.json");
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void A_recipe_fragment_is_a_valid_config_and_the_shipped_gateway_runs_it(string recipe)
    {
        if (ManifestFiles.Fragment(recipe) is not { } fragment)
        {
            return;
        }

        var own = JsonNode.Parse(File.ReadAllText(fragment))!["Egress"]!;
        var deployedPath = DeployedPath(fragment);
        var deployed = JsonNode.Parse(File.ReadAllText(deployedPath))!["Egress"]!;
        _ = GatewayConfigs.FromFile(fragment); // validates, every error reported
        var policy = GatewayConfigs.FromFile(deployedPath).Policy;

        foreach (var listener in own.Items("Listeners"))
        {
            Assert.Contains(deployed.Items("Listeners"), l => JsonNode.DeepEquals(l, listener));
        }

        foreach (var route in own.Items("Routes"))
        {
            Assert.Contains(deployed.Items("Routes"), r => JsonNode.DeepEquals(r, route));
        }

        foreach (var rule in own.Items("Allow"))
        {
            foreach (var port in rule.Items("Ports").Select(p => int.Parse(p.ToJsonString(), CultureInfo.InvariantCulture)))
            {
                AssertDecision(policy, rule.Text("Host")!, port, allowed: true, deployedPath);
            }
        }

        foreach (var rule in own.Items("Deny"))
        {
            AssertDecision(policy, rule.Text("Host")!, 443, allowed: false, deployedPath);
        }
    }

    [Fact]
    public void The_tcp_over_tls_component_config_is_the_base_plus_the_terminating_listener()
    {
        var component = JsonNode.Parse(File.ReadAllText(ComponentConfigPath))!;
        var listeners = component["Egress"]!["Listeners"]!.AsArray();
        var terminating = Assert.Single(listeners, l => l!.At("Tls") is not null);
        listeners.Remove(terminating);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(GatewayConfigs.BasePath)), component), "components/tcp-over-tls/egress.json drifted from k8s/egress.json");
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public void Every_route_to_the_gateway_reaches_a_listener_of_the_right_kind_that_allows_its_hosts(string recipe)
    {
        var services = ManifestFiles.In(recipe).Where(d => d.Kind == "VirtualService").ToList();
        if (services.Count == 0)
        {
            return;
        }

        var fragment = ManifestFiles.Fragment(recipe)!;
        foreach (var configPath in new[] { fragment, DeployedPath(fragment) })
        {
            var config = GatewayConfigs.FromFile(configPath);
            var routes = 0;
            foreach (var service in services.Select(s => s.Json))
            {
                var hosts = service.Items("spec", "hosts").Select(h => h.GetValue<string>()).ToList();
                foreach (var http in service.Items("spec", "http"))
                {
                    var listener = Listener(config, DestinationPort(http), configPath);
                    Assert.Equal(ListenerProtocol.Http, listener.Protocol);
                    var port = int.Parse(http.Items("match").Single().Text("port")!, CultureInfo.InvariantCulture);
                    Assert.Contains(ManifestFiles.In(recipe).Where(d => d.Kind == "ServiceEntry").SelectMany(d => d.Json.Items("spec", "ports")),
                        p => p.Text("number") == $"{port}" && p.Text("protocol") == "HTTP");
                    hosts.ForEach(h => AssertDecision(config.Policy, h, port, allowed: true, configPath));
                    routes++;
                }

                foreach (var tls in service.Items("spec", "tls"))
                {
                    var listener = Listener(config, DestinationPort(tls), configPath);
                    Assert.Equal((ListenerProtocol.Sni, SniTlsMode.Passthrough), (listener.Protocol, listener.Tls?.Mode ?? SniTlsMode.Passthrough));
                    foreach (var sni in tls.Items("match").SelectMany(m => m.Items("sniHosts")).Select(h => h.GetValue<string>()))
                    {
                        AssertDecision(config.Policy, sni, listener.UpstreamPort ?? listener.Port, allowed: true, configPath);
                        routes++;
                    }
                }

                foreach (var tcp in service.Items("spec", "tcp"))
                {
                    // TCP to the terminating listener: the DestinationRule's sni (host:port) is what the gateway routes by.
                    var port = DestinationPort(tcp);
                    var listener = Listener(config, port, configPath);
                    Assert.Equal(SniTlsMode.Terminate, listener.Tls?.Mode);
                    var sni = ManifestFiles.In(recipe).Where(d => d.Kind == "DestinationRule")
                        .SelectMany(d => d.Json.Items("spec", "trafficPolicy", "portLevelSettings"))
                        .Single(s => s.Text("port", "number") == $"{port}").Text("tls", "sni")!;
                    Assert.True(Destination.TryParse(sni, listener.UpstreamPort ?? listener.Port, out var destination, out var error), error);
                    AssertDecision(config.Policy, destination.Host, destination.Port, allowed: true, configPath);
                    routes++;
                }
            }

            Assert.True(routes > 0, $"{recipe}: no route to the gateway");
        }
    }

    [Fact]
    public void Proxy_variables_come_in_both_cases_point_at_the_proxy_listener_and_keep_cluster_names_direct()
    {
        var proxy = GatewayConfigs.Base.Options.Listeners.Single(l => l.Protocol == ListenerProtocol.Http);
        var containers = ManifestFiles.OfKind("Deployment").SelectMany(d => d.Json.Items("spec", "template", "spec", "containers"))
            .Where(c => c.Items("env").Any(e => e.Text("name")!.EndsWith("_proxy", StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(containers.Count >= 2);
        foreach (var container in containers)
        {
            var env = container.Items("env").ToDictionary(e => e.Text("name")!, e => e.Text("value")!);
            foreach (var name in new[] { "http_proxy", "https_proxy", "no_proxy" })
            {
                Assert.True(env.ContainsKey(name) && env.ContainsKey(name.ToUpperInvariant()), $"{container.Text("name")}: set both {name} and {name.ToUpperInvariant()}");
                Assert.Equal(env[name], env[name.ToUpperInvariant()]);
            }

            Assert.Equal($"http://{MeshRules.GatewayHost}:{proxy.Port}", env["http_proxy"]);
            Assert.Equal(env["http_proxy"], env["https_proxy"]);
            var direct = env["no_proxy"].Split(',');
            Assert.All(new[] { ".svc", ".cluster.local", "localhost", "127.0.0.1", "$(KUBERNETES_SERVICE_HOST)" }, n => Assert.Contains(n, direct));
        }
    }

    private static int DestinationPort(JsonNode route)
    {
        var destination = route.Items("route").Single();
        Assert.Equal(MeshRules.GatewayHost, destination.Text("destination", "host"));
        return int.Parse(destination.Text("destination", "port", "number")!, CultureInfo.InvariantCulture);
    }

    private static ListenerOptions Listener(EgressSnapshot config, int port, string file) =>
        config.Options.Listeners.SingleOrDefault(l => l.Port == port) ?? throw new Xunit.Sdk.XunitException($"{file}: no gateway listener on port {port}");

    /// <summary>An Istio or gateway host pattern (<c>*.qq.com</c>, <c>**.qq.com</c>) stands for names one and two labels deep.</summary>
    private static void AssertDecision(EgressPolicy policy, string pattern, int port, bool allowed, string file)
    {
        var suffix = pattern.TrimStart('*');
        var names = pattern.StartsWith('*') ? new[] { "a" + suffix, "a.b" + suffix } : [pattern];
        foreach (var name in names)
        {
            Assert.True(Destination.TryParse(name, port, out var destination, out var error), error);
            var decision = policy.Decide(destination);
            Assert.True(decision.IsAllowed == allowed, $"{file}: {name}:{port} is {(allowed ? "routed to the gateway" : "denied by the recipe")} but {decision.Reason}");
        }
    }
}
