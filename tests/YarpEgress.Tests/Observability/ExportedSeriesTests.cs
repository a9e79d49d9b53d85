using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Observability;

/// <summary>
/// Every metric, label and literal label value that the dashboard and the alerts name is in a real scrape of a
/// gateway that carried traffic on every path; and the check itself catches a misspelling of each kind.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class ExportedSeriesTests(TrafficScrape traffic) : IClassFixture<TrafficScrape>
{
    [Fact]
    public void The_traffic_reached_every_path_and_outcome_the_dashboard_shows()
    {
        var scrape = traffic.Scrape;
        Assert.All(new[] { "http", "connect", "sni", "sni-terminate" }, p => Assert.True(scrape.Value("egress_connections_opened_total", ("protocol", p)) > 0, p));
        Assert.True(scrape.Value("egress_policy_decisions_total", ("decision", "denied"), ("rule", "blocked.example.test")) > 0);
        Assert.True(scrape.Value("egress_policy_decisions_total", ("decision", "reported"), ("rule", "no_match")) > 0);
        Assert.Equal(2, scrape.Value("egress_upstream_connect_failures_total", ("kind", "refused")));
        Assert.Equal(1, scrape.Value("egress_upstream_connect_failures_total", ("kind", "circuit_open"), ("destination_host", "b.example.test")));
        Assert.Equal(1, scrape.Value("egress_connections_rejected_total", ("listener", "proxy"), ("reason", "client_limit")));
        Assert.Equal(1, scrape.Value("egress_config_reloads_total", ("result", "success")));
        Assert.Equal(1, scrape.Value("egress_config_reloads_total", ("result", "failure")));
    }

    [Fact]
    public void Every_series_label_and_value_in_the_dashboard_and_the_alerts_is_exported()
    {
        Assert.True(ObservabilityFiles.Expressions.Count >= 25, $"only {ObservabilityFiles.Expressions.Count} expressions found");
        var problems = ExportedSeries.Problems(traffic.Scrape, ObservabilityFiles.Expressions);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_label_a_legend_or_an_annotation_prints_is_on_the_series_it_prints()
    {
        Assert.True(ObservabilityFiles.PrintedLabels.Count(p => p.Labels.Length > 0) >= 20);
        var problems = new List<string>();
        foreach (var (where, expression, labels) in ObservabilityFiles.PrintedLabels)
        {
            var selectors = PromQl.Selectors(expression);
            var available = selectors.SelectMany(s => s.Labels)
                .Concat(selectors.SelectMany(s => traffic.Scrape.Series(s.Metric)).SelectMany(l => l.Keys))
                .Concat(ExportedSeries.TargetLabels).ToHashSet();
            problems.AddRange(labels.Where(l => !available.Contains(l)).Select(l => $"{where}: prints {l}, which {expression} does not have"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_identity_labels_the_dashboard_groups_by_are_on_the_traffic_of_a_known_pod()
    {
        var used = ObservabilityFiles.Expressions.SelectMany(e => PromQl.Selectors(e.Expression)).SelectMany(s => s.Labels).ToHashSet();
        Assert.Contains("client_namespace", used);
        Assert.Contains("client_workload", used);
        Assert.True(traffic.Scrape.Value("egress_client_sent_bytes_total", ("client_namespace", "shop"), ("client_workload", "web")) > 0);
    }

    [Theory]
    [InlineData("sum(rate(egress_connections_opend_total[5m]))", "egress_connections_opend_total is not exported")]
    [InlineData("sum by (destination) (egress_connections_active)", "egress_connections_active has no label destination")]
    [InlineData("rate(egress_policy_decisions_total{decision=\"deny\"}[5m])", "has decision=\"deny\"")]
    [InlineData("egress_upstream_connect_failures_total{kind=~\"refused|timeot\"}", "has kind=\"timeot\"")]
    [InlineData("up{namepsace=\"yarp-egress\"} == 0", "up has no label namepsace")]
    [InlineData("histogram_quantile(0.9, sum by (le) (rate(egress_connection_duration_seconds[5m])))", "egress_connection_duration_seconds is not exported")]
    public void A_misspelled_metric_label_or_value_is_reported(string expression, string problem)
    {
        var problems = ExportedSeries.Problems(traffic.Scrape, [("typo", expression)]);
        Assert.Contains(problems, p => p.Contains(problem, StringComparison.Ordinal));
    }
}
