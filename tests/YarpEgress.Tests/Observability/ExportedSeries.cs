using System.Text.RegularExpressions;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Observability;

/// <summary>
/// What PromQL expressions name that a real scrape of the gateway does not have: a metric, a label on that metric,
/// or a literal matcher value on that label. The only names that need not be in the scrape are listed here.
/// </summary>
internal static partial class ExportedSeries
{
    /// <summary>Series Prometheus makes itself for every target at scrape time; the gateway never exports them.</summary>
    public static readonly IReadOnlySet<string> MadeByPrometheus = new HashSet<string>(StringComparer.Ordinal) { "up" };

    /// <summary>
    /// Target labels the Prometheus Operator puts on every series it scrapes through the ServiceMonitor or PodMonitor
    /// (job from jobLabel, instance from the address, namespace, pod, container, and service/endpoint for a Service).
    /// </summary>
    public static readonly IReadOnlySet<string> TargetLabels = new HashSet<string>(StringComparer.Ordinal)
    {
        "job", "instance", "namespace", "pod", "container", "service", "endpoint",
    };

    public static List<string> Problems(MetricsScrape scrape, IEnumerable<(string Where, string Expression)> expressions)
    {
        var names = scrape.Names().ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (where, expression) in expressions)
        {
            foreach (var selector in PromQl.Selectors(expression))
            {
                if (MadeByPrometheus.Contains(selector.Metric))
                {
                    problems.AddRange(selector.Labels.Where(l => !TargetLabels.Contains(l)).Select(l => $"{where}: {selector.Metric} has no label {l} (only target labels)"));
                    continue;
                }

                if (!names.Contains(selector.Metric))
                {
                    problems.Add($"{where}: {selector.Metric} is not exported");
                    continue;
                }

                var series = scrape.Series(selector.Metric).ToList();
                foreach (var label in selector.Labels.Where(l => !TargetLabels.Contains(l)))
                {
                    if (!series.Any(s => s.ContainsKey(label)))
                    {
                        problems.Add($"{where}: {selector.Metric} has no label {label} (it has {string.Join(", ", series.SelectMany(s => s.Keys).Distinct().Order())})");
                    }
                }

                foreach (var matcher in selector.Matchers.Where(m => !m.IsTemplated && !TargetLabels.Contains(m.Label)))
                {
                    foreach (var value in LiteralValues(matcher))
                    {
                        if (!series.Any(s => s.TryGetValue(matcher.Label, out var v) && v == value))
                        {
                            problems.Add($"{where}: no {selector.Metric} series has {matcher.Label}=\"{value}\"");
                        }
                    }
                }
            }
        }

        return problems;
    }

    /// <summary>The values a matcher names: its value for = and !=, each alternative of a plain a|b|c regex.</summary>
    private static IEnumerable<string> LiteralValues(PromQlMatcher matcher) => matcher.Operator switch
    {
        "=" or "!=" => [matcher.Value],
        _ when PlainAlternatives().IsMatch(matcher.Value) => matcher.Value.Split('|'),
        _ => [],
    };

    [GeneratedRegex(@"^[A-Za-z0-9_\-]+(\|[A-Za-z0-9_\-]+)*$")]
    private static partial Regex PlainAlternatives();
}
