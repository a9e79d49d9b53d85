using System.Text.Json.Nodes;
using YarpEgress.Tests.Deployment;

namespace YarpEgress.Tests.Observability;

/// <summary>The Grafana dashboard is well-formed, every panel queries the dashboard's Prometheus, and it shows what #17 asks.</summary>
public sealed class DashboardTests
{
    private static IReadOnlyList<JsonNode> Panels { get; } = [.. ObservabilityFiles.Dashboard.Items("panels").Where(p => p.Text("type") != "row")];

    [Fact]
    public void It_has_a_stable_uid_and_a_Prometheus_data_source_variable()
    {
        var dashboard = ObservabilityFiles.Dashboard;
        Assert.Equal("yarp-egress", dashboard.Text("uid"));
        Assert.False(string.IsNullOrEmpty(dashboard.Text("title")));
        Assert.True(int.Parse(dashboard.Text("schemaVersion")!, System.Globalization.CultureInfo.InvariantCulture) >= 36);
        var source = Assert.Single(dashboard.Items("templating", "list"), v => v.Text("type") == "datasource");
        Assert.Equal(("datasource", "prometheus"), (source.Text("name"), source.Text("query")));
        Assert.All(dashboard.Items("templating", "list").Where(v => v.Text("type") == "query"), v => Assert.Equal("${datasource}", v.Text("datasource", "uid")));
    }

    [Fact]
    public void Every_panel_has_a_unique_id_a_place_the_data_source_and_PromQL_targets()
    {
        Assert.True(Panels.Count >= 10, $"only {Panels.Count} panels");
        Assert.Equal(Panels.Count, Panels.Select(p => p.Text("id")).Distinct().Count());
        Assert.All(Panels, panel =>
        {
            var title = panel.Text("title");
            Assert.False(string.IsNullOrEmpty(title));
            Assert.True(int.Parse(panel.Text("gridPos", "w")!, System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 24, title);
            Assert.NotNull(panel.Text("gridPos", "h"));
            Assert.Equal(("prometheus", "${datasource}"), (panel.Text("datasource", "type"), panel.Text("datasource", "uid")));
            var targets = panel.Items("targets").ToList();
            Assert.True(targets.Count > 0, $"{title}: no targets");
            Assert.Equal(targets.Count, targets.Select(t => t.Text("refId")).Distinct().Count());
            Assert.All(targets, t =>
            {
                Assert.Equal("${datasource}", t.Text("datasource", "uid"));
                Assert.NotEmpty(PromQl.Selectors(t.Text("expr")!));
            });
        });
    }

    [Theory]
    [InlineData("egress_client_sent_bytes_total", "destination_host")]
    [InlineData("egress_client_received_bytes_total", "destination_host")]
    [InlineData("egress_client_sent_bytes_total", "client_namespace")]
    [InlineData("egress_client_sent_bytes_total", "client_workload")]
    [InlineData("egress_client_received_bytes_total", "client_namespace,client_workload,destination_host,destination_port")]
    [InlineData("egress_policy_decisions_total", "rule")]
    [InlineData("egress_connections_opened_total", "protocol")]
    [InlineData("egress_connections_active", "protocol")]
    [InlineData("egress_upstream_connect_failures_total", "kind")]
    [InlineData("egress_connection_duration_seconds_bucket", "le")]
    [InlineData("egress_config_reloads_total", "result")]
    public void A_panel_shows_each_view_the_issue_asks_for(string metric, string by)
    {
        Assert.Contains(Panels, p => p.Items("targets").Any(t => PromQl.Selectors(t.Text("expr")!).Any(s => s.Metric == metric && s.Labels.IsSupersetOf(by.Split(',')))));
    }

    [Fact]
    public void Duration_percentiles_are_histogram_quantiles()
    {
        var durations = Panels.Single(p => p.Items("targets").Any(t => t.Text("expr")!.Contains("egress_connection_duration_seconds_bucket", StringComparison.Ordinal)));
        Assert.All(durations.Items("targets"), t => Assert.StartsWith("histogram_quantile(", t.Text("expr"), StringComparison.Ordinal));
        Assert.Equal("s", durations.Text("fieldConfig", "defaults", "unit"));
    }
}
