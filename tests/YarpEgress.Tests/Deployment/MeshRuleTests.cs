using System.Text.Json.Nodes;

namespace YarpEgress.Tests.Deployment;

/// <summary>The mesh rules hold for the shipped manifests, and each one catches the mistake it is there for.</summary>
public sealed class MeshRuleTests
{
    private static IEnumerable<JsonObject> Written => ManifestFiles.All.Select(d => d.Json);

    private static JsonObject Yaml(string text) => YamlJson.Documents(text).Single();

    [Fact]
    public async Task The_shipped_manifests_break_no_mesh_rule_as_written_and_as_rendered()
    {
        Assert.Empty(MeshRules.StringMatches(Written));
        Assert.Empty(MeshRules.DestinationRuleTls(Written));
        Assert.Empty(MeshRules.RegistryOnly(Written));
        foreach (var name in ManifestTests.RenderNames)
        {
            var rendered = (await ManifestTests.RenderAsync(name)).Objects;
            Assert.Empty(MeshRules.StringMatches(rendered));
            Assert.Empty(MeshRules.DestinationRuleTls(rendered));
            Assert.Empty(MeshRules.RegistryOnly(rendered));
        }

        // The rules have something to hold for.
        Assert.Contains(Written.OfKind("AuthorizationPolicy"), p => p.Items("spec", "rules").Any(r => r.Items("from").Any(f => f.Items("source", "principals").Any())));
        Assert.Contains(Written.OfKind("DestinationRule"), r => r.At("spec", "trafficPolicy", "portLevelSettings") is not null);
        Assert.Contains(Written.OfKind("Sidecar"), s => s.Text("spec", "outboundTrafficPolicy", "mode") == "REGISTRY_ONLY");
    }

    [Theory]
    [InlineData("cluster.local/ns/*/sa/*", false)]
    [InlineData("cluster.local/ns/team-a/sa/*", true)]
    [InlineData("*/sa/default", true)]
    [InlineData("*", true)]
    [InlineData("cluster.local/ns/team-a/sa/app", true)]
    [InlineData("**", false)]
    [InlineData("*team*", false)]
    public void A_principal_matches_only_exact_or_with_one_star_at_an_end(string principal, bool valid)
    {
        Assert.Equal(valid, MeshRules.IsStringMatch(principal));
        var policy = Yaml($"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: p, namespace: yarp-egress}}\n" +
            $"spec:\n  rules:\n    - from:\n        - source:\n            principals: [\"{principal}\"]\n");
        var errors = MeshRules.StringMatches([policy]).ToList();
        Assert.Equal(valid ? 0 : 1, errors.Count);
        Assert.All(errors, e => Assert.Contains("rules[0].from[0].source.principals", e, StringComparison.Ordinal));
    }

    [Fact]
    public void The_old_wildcard_tls_policy_is_caught()
    {
        var policy = Yaml("""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: mesh-workloads-only, namespace: yarp-egress}
            spec:
              rules:
                - from:
                    - source:
                        principals: ["cluster.local/ns/*/sa/*"]
                  to:
                    - operation:
                        ports: ["3128"]
                        hosts: ["*.qq.*"]
            """);
        Assert.Equal(2, MeshRules.StringMatches([policy]).Count());
    }

    [Fact]
    public void A_credentialName_without_workloadSelector_and_an_unverified_gateway_are_caught()
    {
        const string Old = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: yarp-egress-tcp-over-tls, namespace: istio-system}
            spec:
              host: yarp-egress.yarp-egress.svc.cluster.local
              trafficPolicy:
                portLevelSettings:
                  - port: {number: 15443}
                    tls: {mode: SIMPLE, sni: "example.com:9443", credentialName: yarp-egress-ca}
            """;
        var errors = MeshRules.DestinationRuleTls([Yaml(Old)]).ToList();
        Assert.Contains(errors, e => e.Contains("portLevelSettings[0].tls.credentialName 'yarp-egress-ca' without spec.workloadSelector", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("subjectAltNames", StringComparison.Ordinal));

        // With a selector, credentialName is read; a skipped verification is still refused.
        var selected = Yaml(Old.Replace("spec:\n", "spec:\n  workloadSelector: {matchLabels: {app: tcp-client}}\n", StringComparison.Ordinal)
            .Replace("credentialName: yarp-egress-ca", "credentialName: yarp-egress-ca, subjectAltNames: [a], insecureSkipVerify: true", StringComparison.Ordinal));
        Assert.Equal(["insecureSkipVerify"], MeshRules.DestinationRuleTls([selected]).Select(e => e.Contains("insecureSkipVerify", StringComparison.Ordinal) ? "insecureSkipVerify" : e));
    }

    [Fact]
    public void A_REGISTRY_ONLY_default_that_covers_the_gateway_is_caught()
    {
        var root = Yaml("""
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: istio-system}
            spec:
              egress: [{hosts: ["./*", "istio-system/*"]}]
              outboundTrafficPolicy: {mode: REGISTRY_ONLY}
            """);
        var errors = MeshRules.RegistryOnly([root]).ToList();
        Assert.Contains(errors, e => e.Contains("add a Sidecar in yarp-egress with outboundTrafficPolicy ALLOW_ANY", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("leave out the gateway", StringComparison.Ordinal));

        var mesh = Yaml("apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: o}\nspec: {meshConfig: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}}\n");
        Assert.Single(MeshRules.RegistryOnly([mesh]));
        var lockedGateway = Yaml("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: g, namespace: yarp-egress}\nspec: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}\n");
        Assert.Contains(MeshRules.RegistryOnly([lockedGateway]), e => e.Contains("REGISTRY_ONLY on the gateway itself", StringComparison.Ordinal));
        var open = Yaml("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: g, namespace: yarp-egress}\nspec: {outboundTrafficPolicy: {mode: ALLOW_ANY}}\n");
        Assert.Empty(MeshRules.RegistryOnly([mesh, open]));
    }

    [Fact]
    public async Task The_meshed_gateway_leaves_its_own_traffic_and_DNS_alone_outlives_its_drain_and_stays_scrapable()
    {
        var meshed = (await Kustomize.BaseWithAsync("istio-sidecar")).Objects;
        var drain = GatewayConfigs.Base.Timeouts.DrainDelay + GatewayConfigs.Base.Timeouts.Drain;
        Assert.True(GatewaySidecarRule.IsInjected(meshed));
        Assert.Empty(GatewaySidecarRule.Check(meshed, drain));
        Assert.False(GatewaySidecarRule.IsInjected((await Kustomize.FolderAsync("k8s")).Objects));

        // Each annotation, taken away, is missed.
        string[] expected = ["captures the gateway's outbound", "ISTIO_META_DNS_CAPTURE", "terminationDrainDuration", "holdApplicationUntilProxyStarts"];
        var stripped = Edit(meshed, d => d.At("spec", "template", "metadata", "annotations")!.AsObject()
            .Remove("traffic.sidecar.istio.io/excludeOutboundIPRanges") && d.At("spec", "template", "metadata", "annotations")!.AsObject().Remove("proxy.istio.io/config"));
        var errors = GatewaySidecarRule.Check(stripped, drain).ToList();
        Assert.All(expected, e => Assert.Contains(errors, m => m.Contains(e, StringComparison.Ordinal)));

        var ipv4Only = Edit(meshed, d => (d.At("spec", "template", "metadata", "annotations")!["traffic.sidecar.istio.io/excludeOutboundIPRanges"] = "0.0.0.0/0") is not null);
        Assert.Single(GatewaySidecarRule.Check(ipv4Only, drain));
        var shortDrain = Edit(meshed, d => (d.At("spec", "template", "metadata", "annotations")!["proxy.istio.io/config"] =
            "holdApplicationUntilProxyStarts: true\nterminationDrainDuration: 5s\nproxyMetadata: {ISTIO_META_DNS_CAPTURE: \"false\"}\n") is not null);
        Assert.Contains("terminationDrainDuration (5 s)", Assert.Single(GatewaySidecarRule.Check(shortDrain, drain)), StringComparison.Ordinal);

        var unscrapable = meshed.Select(o => o.Kind() == "NetworkPolicy" ? Yaml(o.ToJsonString().Replace("15020", "15090", StringComparison.Ordinal)) : o).ToList();
        Assert.Contains("15020", Assert.Single(GatewaySidecarRule.Check(unscrapable, drain)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("40s", 40)]
    [InlineData("1m30s", 90)]
    [InlineData("500ms", 0.5)]
    public void Go_durations_parse(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), GatewaySidecarRule.Duration(text));

    private static List<JsonObject> Edit(IEnumerable<JsonObject> objects, Func<JsonObject, bool> edit) => [.. objects.Select(o =>
    {
        if (o.Kind() != "Deployment")
        {
            return o;
        }

        var copy = o.DeepClone().AsObject();
        Assert.True(edit(copy));
        return copy;
    })];
}
