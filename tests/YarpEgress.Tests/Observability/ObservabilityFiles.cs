using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YarpEgress.Tests.Deployment;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Observability;

/// <summary>k8s/observability as written: the dashboard, the PrometheusRule, and every PromQL expression in them.</summary>
internal static partial class ObservabilityFiles
{
    public const string Folder = "k8s/observability";

    public static string DashboardPath { get; } = RepositoryFiles.PathOf("k8s", "observability", "dashboard.json");

    public static string AlertTestsPath { get; } = RepositoryFiles.PathOf("k8s", "observability", "tests", "alerts.test.yaml");

    public static JsonObject Dashboard { get; } = JsonNode.Parse(File.ReadAllText(DashboardPath))!.AsObject();

    public static JsonObject PrometheusRule { get; } = ManifestFiles.In(Folder).Single(d => d.Kind == "PrometheusRule").Json;

    /// <summary>Every rule of the PrometheusRule, by its alert (or record) name.</summary>
    public static IReadOnlyList<JsonNode> Rules { get; } = [.. PrometheusRule.Items("spec", "groups").SelectMany(g => g.Items("rules"))];

    /// <summary>Every PromQL expression, with where it is: alert rules, panel targets, annotations and variable queries.</summary>
    public static IReadOnlyList<(string Where, string Expression)> Expressions { get; } =
    [
        .. Rules.Select(r => ($"rule {r.Text("alert") ?? r.Text("record")}", r.Text("expr")!)),
        .. DashboardExpressions(Dashboard, "dashboard"),
        .. Dashboard.Items("templating", "list").Where(v => v.Text("type") == "query").Select(v => ($"dashboard variable {v.Text("name")}", VariableQuery(v))),
    ];

    /// <summary>
    /// The labels that legends, annotation texts and alert annotations print (<c>{{destination_host}}</c>,
    /// <c>{{ $labels.pod }}</c>), with the expression whose result they print.
    /// </summary>
    public static IReadOnlyList<(string Where, string Expression, string[] Labels)> PrintedLabels { get; } =
    [
        .. Rules.Select(r => ($"rule {r.Text("alert")}", r.Text("expr")!, Printed(RuleLabel(), r.At("annotations")?.ToJsonString()))),
        .. Dashboard.Items("panels").SelectMany(p => p.Items("targets").Select(t => ($"panel {p.Text("title")}", t.Text("expr")!, Printed(LegendLabel(), t.Text("legendFormat"))))),
        .. Dashboard.Items("annotations", "list").Select(a => ($"annotation {a.Text("name")}", a.Text("expr")!, Printed(LegendLabel(), $"{a.Text("titleFormat")} {a.Text("textFormat")}"))),
    ];

    private static string[] Printed(Regex pattern, string? text) =>
        text is null ? [] : [.. pattern.Matches(text).Select(m => m.Groups["label"].Value).Distinct()];

    /// <summary>Every <c>expr</c> anywhere in the dashboard (panels, rows, annotations), with its JSON path.</summary>
    private static IEnumerable<(string, string)> DashboardExpressions(JsonNode? node, string path) => node switch
    {
        JsonObject map => map.SelectMany(p => p.Key == "expr" && p.Value is JsonValue value
            ? [($"{path}.expr", value.GetValue<string>())]
            : DashboardExpressions(p.Value, $"{path}.{p.Key}")),
        JsonArray list => list.SelectMany((item, i) => DashboardExpressions(item, $"{path}[{i}]{(item.Text("title") is { } title ? $" ({title})" : string.Empty)}")),
        _ => [],
    };

    /// <summary>
    /// Grafana's <c>label_values(selector, label)</c> as the PromQL it stands for (<c>count by (label) (selector)</c>),
    /// so that its metric and label are checked like any other.
    /// </summary>
    private static string VariableQuery(JsonNode variable)
    {
        var query = variable.Text("query", "query") ?? variable.Text("query") ?? string.Empty;
        var match = LabelValues().Match(query);
        Assert.True(match.Success, $"dashboard variable {variable.Text("name")}: only label_values(selector, label) is checked, got '{query}'");
        return $"count by ({match.Groups["label"].Value}) ({match.Groups["selector"].Value})";
    }

    [GeneratedRegex(@"\{\{\s*(?<label>[A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex LegendLabel();

    [GeneratedRegex(@"\$labels\.(?<label>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex RuleLabel();

    [GeneratedRegex(@"^\s*label_values\((?<selector>.+),\s*(?<label>[A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$")]
    private static partial Regex LabelValues();
}
