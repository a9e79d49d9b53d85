using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YarpEgress.Tests.Deployment;

namespace YarpEgress.Tests.Observability;

/// <summary>
/// k8s/observability rendered with the base: its objects are well-formed, the monitors reach the admin listener
/// (plain pods through the admin Service, meshed ones on the Istio agent's merged port) under the job the alerts
/// name, the dashboard ships unchanged for Grafana's sidecar, and the limit alert follows the deployed config.
/// </summary>
public sealed partial class ObservabilityManifestTests
{
    private const string Job = "yarp-egress";

    public static TheoryData<string> Renders() => [.. ManifestTests.RenderNames.Where(n => n.Contains("observability", StringComparison.Ordinal))];

    private static JsonObject Single(Kustomize.Rendered rendered, string kind) => Assert.Single(rendered.Objects.OfKind(kind));

    private static bool Selects(JsonNode? matchLabels, JsonNode? labels) =>
        matchLabels is JsonObject wanted && wanted.All(l => labels.Text(l.Key) == l.Value?.GetValue<string>());

    [Fact]
    public void The_written_monitoring_objects_have_only_known_fields()
    {
        var documents = ManifestFiles.In(ObservabilityFiles.Folder).Where(d => d.Kind is not "Component").ToList();
        Assert.Equal(["PodMonitor", "PrometheusRule", "ServiceMonitor"], documents.Select(d => d.Kind).Order());
        Assert.All(documents, d => Assert.True(MonitoringFields.Problems(d.Json) is { Count: 0 } problems, string.Join("\n", MonitoringFields.Problems(d.Json))));
    }

    [Fact]
    public void The_field_check_refuses_a_typo_a_wrong_api_and_a_bad_selector()
    {
        var monitor = ManifestFiles.In(ObservabilityFiles.Folder).Single(d => d.Kind == "ServiceMonitor").Json.DeepClone().AsObject();
        monitor["apiVersion"] = "monitoring.coreos.com/v1beta1";
        monitor["spec"]!["endpoints"]![0]!["relabellings"] = new JsonArray();
        monitor["spec"]!["selector"]!["matchLabel"] = new JsonObject();
        var problems = MonitoringFields.Problems(monitor);
        Assert.Contains(problems, p => p.Contains("v1beta1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("unknown field spec.endpoints[].relabellings", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("spec.selector", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public async Task The_ServiceMonitor_scrapes_the_admin_listener_of_pods_without_a_sidecar_as_job_yarp_egress(string name)
    {
        var rendered = await ManifestTests.RenderAsync(name);
        var options = GatewayConfigs.FromText(GatewayConfigs.DeployedText(rendered.Objects)).Options;
        var monitor = Single(rendered, "ServiceMonitor");
        Assert.Empty(MonitoringFields.Problems(monitor));
        var endpoint = Assert.Single(monitor.Items("spec", "endpoints"));
        Assert.Equal("/metrics", endpoint.Text("path"));

        // Exactly one selected Service has the port, and it leads to the container's admin port.
        var services = rendered.Objects.OfKind("Service").Where(s => s.Namespace() == monitor.Namespace() && Selects(monitor.At("spec", "selector", "matchLabels"), s.At("metadata", "labels"))).ToList();
        var service = Assert.Single(services, s => s.Items("spec", "ports").Any(p => p.Text("name") == endpoint.Text("port")));
        var targetPort = service.Items("spec", "ports").Single(p => p.Text("name") == endpoint.Text("port")).Text("targetPort");
        var container = Single(rendered, "Deployment").Items("spec", "template", "spec", "containers").Single();
        Assert.Equal($"{options.Admin.Port}", container.Items("ports").Single(p => p.Text("name") == targetPort).Text("containerPort"));
        Assert.Equal(Job, service.Text("metadata", "labels", monitor.Text("spec", "jobLabel")!));

        // Meshed pods are the PodMonitor's.
        var drop = Assert.Single(endpoint.Items("relabelings"), r => r.Text("action") == "drop");
        Assert.Equal(("__meta_kubernetes_pod_label_security_istio_io_tlsMode", "istio"), (drop.Items("sourceLabels").Single().GetValue<string>(), drop.Text("regex")));
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public async Task The_PodMonitor_scrapes_meshed_pods_on_the_agents_merged_port_as_job_yarp_egress(string name)
    {
        var rendered = await ManifestTests.RenderAsync(name);
        var monitor = Single(rendered, "PodMonitor");
        Assert.Empty(MonitoringFields.Problems(monitor));
        var template = Single(rendered, "Deployment").At("spec", "template")!;
        var labels = template.At("metadata", "labels");
        Assert.True(Selects(monitor.At("spec", "selector", "matchLabels"), labels));
        var meshed = Assert.Single(monitor.Items("spec", "selector", "matchExpressions"));
        Assert.Equal(("security.istio.io/tlsMode", "In", "istio"), (meshed.Text("key"), meshed.Text("operator"), meshed.Items("values").Single().GetValue<string>()));
        Assert.Null(labels.Text("security.istio.io/tlsMode")); // the injector adds it, so a pod without a sidecar is not selected
        Assert.Equal(Job, labels.Text(monitor.Text("spec", "jobLabel")!));

        var endpoint = Assert.Single(monitor.Items("spec", "podMetricsEndpoints"));
        var container = template.Items("spec", "containers").Single();
        Assert.Contains(container.Items("ports"), p => p.Text("name") == endpoint.Text("port"));
        Assert.Equal("/stats/prometheus", endpoint.Text("path"));
        var addresses = endpoint.Items("relabelings").Where(r => r.Text("targetLabel") == "__address__").ToList();
        Assert.Equal(2, addresses.Count); // IPv4 and IPv6 pod addresses
        Assert.All(addresses, a => Assert.EndsWith(":15020", a.Text("replacement"), StringComparison.Ordinal));
        Assert.Equal("true", template.Text("metadata", "annotations", "prometheus.io/scrape")); // what the agent merges

        // The NetworkPolicy lets the monitoring namespace reach both ports.
        var fromMonitoring = Single(rendered, "NetworkPolicy").Items("spec", "ingress")
            .Single(r => r.Items("from").Any(f => f.Text("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == "monitoring"));
        var admitted = fromMonitoring.Items("ports").Select(p => p.Text("port")).ToList();
        Assert.Contains("15020", admitted);
        Assert.Contains(container.Items("ports").Single(p => p.Text("name") == "admin").Text("containerPort"), admitted);
    }

    [Fact]
    public void Every_job_the_alerts_and_the_dashboard_name_is_the_monitors_job()
    {
        var jobs = ObservabilityFiles.Expressions.SelectMany(e => PromQl.Selectors(e.Expression))
            .SelectMany(s => s.Matchers).Where(m => m.Label == "job").Select(m => m.Value).ToHashSet();
        Assert.Equal([Job], jobs);
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public async Task The_dashboard_ships_unchanged_under_a_fixed_name_for_Grafanas_sidecar(string name)
    {
        var rendered = await ManifestTests.RenderAsync(name);
        var map = Assert.Single(rendered.Objects.OfKind("ConfigMap"), m => m.Name().StartsWith("yarp-egress-dashboard", StringComparison.Ordinal));
        Assert.Equal("yarp-egress-dashboard", map.Name());
        Assert.Equal("1", map.Text("metadata", "labels", "grafana_dashboard"));
        Assert.Equal(File.ReadAllText(ObservabilityFiles.DashboardPath), map.Text("data", "yarp-egress.json"));
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public async Task The_near_limit_alert_is_at_80_percent_of_the_deployed_listener_limit(string name)
    {
        var rendered = await ManifestTests.RenderAsync(name);
        var limit = GatewayConfigs.FromText(GatewayConfigs.DeployedText(rendered.Objects)).Options.Limits.MaxConnectionsPerListener;
        var rule = Single(rendered, "PrometheusRule").Items("spec", "groups").SelectMany(g => g.Items("rules")).Single(r => r.Text("alert") == "YarpEgressConnectionsNearLimit");
        var threshold = Threshold().Match(rule.Text("expr")!);
        Assert.True(threshold.Success, rule.Text("expr"));
        Assert.Equal(limit * 0.8, double.Parse(threshold.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Contains($"({limit})", rule.Text("annotations", "description"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_has_a_unique_name_a_severity_and_a_summary()
    {
        var alerts = ObservabilityFiles.Rules.Select(r => r.Text("alert")).ToList();
        Assert.Equal(alerts.Count, alerts.Distinct().Count());
        Assert.All(ObservabilityFiles.Rules, r =>
        {
            Assert.Contains(r.Text("labels", "severity"), new[] { "warning", "critical" });
            Assert.False(string.IsNullOrEmpty(r.Text("annotations", "summary")), r.Text("alert"));
            Assert.False(string.IsNullOrEmpty(r.Text("annotations", "description")), r.Text("alert"));
        });
    }

    [GeneratedRegex(@">\s*([0-9.]+)\s*$")]
    private static partial Regex Threshold();
}
