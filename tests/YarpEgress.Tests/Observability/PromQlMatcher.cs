namespace YarpEgress.Tests.Observability;

/// <summary>One label matcher of a selector: <c>decision="denied"</c> is ("decision", "=", "denied").</summary>
internal sealed record PromQlMatcher(string Label, string Operator, string Value)
{
    /// <summary>A value the dashboard fills in (<c>$namespace</c>, <c>${pod}</c>): no literal to check.</summary>
    public bool IsTemplated => Value.Contains('$', StringComparison.Ordinal);
}
