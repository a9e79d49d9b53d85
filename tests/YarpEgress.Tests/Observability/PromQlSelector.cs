namespace YarpEgress.Tests.Observability;

/// <summary>
/// A series selector in a PromQL expression: its metric, every label the expression relies on for it (its own
/// matchers, and the <c>by</c>/<c>without</c>/<c>on</c>/<c>ignoring</c>/<c>group_*</c> labels of what encloses it), and
/// its matchers with their values.
/// </summary>
internal sealed class PromQlSelector(string metric)
{
    public string Metric { get; } = metric;

    public HashSet<string> Labels { get; } = new(StringComparer.Ordinal);

    public List<PromQlMatcher> Matchers { get; } = [];

    public override string ToString() => $"{Metric}{{{string.Join(", ", Labels.Order(StringComparer.Ordinal))}}}";
}
