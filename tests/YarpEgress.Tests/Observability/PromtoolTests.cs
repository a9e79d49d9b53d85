using System.Text.Json.Nodes;
using YarpEgress.Tests.Deployment;

namespace YarpEgress.Tests.Observability;

/// <summary>
/// The alerts as Prometheus reads them: <c>promtool check rules</c>, and <c>promtool test rules</c> with
/// k8s/observability/tests/alerts.test.yaml, where every alert has input series that make it fire and that keep it
/// quiet; an alert whose expression never fires, or always does, fails those tests.
/// </summary>
public sealed class PromtoolTests
{
    private static JsonNode Spec => ObservabilityFiles.PrometheusRule["spec"]!;

    private static string TestFile => Path.GetFileName(ObservabilityFiles.AlertTestsPath);

    public static TheoryData<string> Alerts() => [.. ObservabilityFiles.Rules.Select(r => r.Text("alert")!)];

    [Fact]
    public async Task Promtool_checks_the_rule_groups()
    {
        var directory = Promtool.Prepare(Spec);
        var (exitCode, output) = await Promtool.RunAsync("check", "rules", Path.Combine(directory, Promtool.RulesFile));
        Assert.True(exitCode == 0, output);
        Assert.Contains($"SUCCESS: {ObservabilityFiles.Rules.Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_unit_tests_pass()
    {
        var directory = Promtool.Prepare(Spec);
        var (exitCode, output) = await Promtool.RunAsync("test", "rules", Path.Combine(directory, TestFile));
        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_has_a_case_where_it_fires_and_one_where_it_stays_quiet()
    {
        var cases = YamlJson.Documents(File.ReadAllText(ObservabilityFiles.AlertTestsPath)).Single()
            .Items("tests").SelectMany(t => t.Items("alert_rule_test")).ToList();
        Assert.Equal([Promtool.RulesFile], YamlJson.Documents(File.ReadAllText(ObservabilityFiles.AlertTestsPath)).Single().Items("rule_files").Select(f => f.GetValue<string>()));
        var alerts = ObservabilityFiles.Rules.Select(r => r.Text("alert")).ToHashSet();
        Assert.All(cases, c => Assert.Contains(c.Text("alertname"), alerts));
        Assert.All(alerts, alert =>
        {
            var mine = cases.Where(c => c.Text("alertname") == alert).ToList();
            Assert.True(mine.Any(c => c.Items("exp_alerts").Any()), $"{alert}: no case where it fires");
            Assert.True(mine.Any(c => !c.Items("exp_alerts").Any()), $"{alert}: no case where it stays quiet");
        });
    }

    [Theory]
    [MemberData(nameof(Alerts))]
    public async Task An_alert_that_never_fires_or_always_fires_fails_its_unit_tests(string alert)
    {
        foreach (var expression in new[] { "vector(0) > 1", "vector(1)" })
        {
            var spec = Spec.DeepClone();
            var rule = spec.Items("groups").SelectMany(g => g.Items("rules")).Single(r => r.Text("alert") == alert);
            rule["expr"] = expression;
            var directory = Promtool.Prepare(spec);
            var (exitCode, output) = await Promtool.RunAsync("test", "rules", Path.Combine(directory, TestFile));
            Assert.True(exitCode != 0, $"{alert} as '{expression}' still passes its unit tests");
            Assert.Contains($"alertname: {alert}", output, StringComparison.Ordinal);
        }
    }
}
