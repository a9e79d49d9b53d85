namespace YarpEgress.Tests.Observability;

/// <summary>The selector extractor the dashboard and alert checks rely on: names, the labels each needs, and refusals.</summary>
public sealed class PromQlTests
{
    private static string Describe(string expression) => string.Join(" ", PromQl.Selectors(expression).Select(s => s.ToString()));

    [Theory]
    [InlineData("up", "up{}")]
    [InlineData("up{job=\"yarp-egress\"} == 0", "up{job}")]
    [InlineData("absent(up{job=\"yarp-egress\"} == 1)", "up{job}")]
    [InlineData("sum by (rule) (rate(egress_policy_decisions_total{decision=\"denied\"}[$__rate_interval]))", "egress_policy_decisions_total{decision, rule}")]
    [InlineData("sum(rate(a_total[5m])) without (pod, instance)", "a_total{instance, pod}")]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(d_seconds_bucket{namespace=~\"$namespace\"}[5m])))", "d_seconds_bucket{le, namespace}")]
    [InlineData("topk(10, sum by (host) (increase(b_total[$__range])) + sum by (host) (increase(c_total[1h] offset 5m)))", "b_total{host} c_total{host}")]
    [InlineData("rate(a_total[1h:5m] @ end()) > bool 3 * rate(a_total[5m] offset -1h)", "a_total{} a_total{}")]
    [InlineData("{__name__=\"a_total\", kind!=\"x\"}", "a_total{kind}")]
    [InlineData("a / on (pod) group_left (node) b", "a{pod} b{node, pod}")]
    [InlineData("a * ignoring (le) group_right (team) b", "a{le, team} b{le}")]
    [InlineData("a and b or c unless d", "a{} b{} c{} d{}")]
    [InlineData("- a_total{x='a{b}', y=`c\"d`} ^ 2 % Inf", "a_total{x, y}")]
    [InlineData("count_values(\"version\", build_info) # a comment naming fake_metric", "build_info{}")]
    [InlineData("SUM BY (a) (x) / 1e-3 + 0x1f", "x{a}")]
    [InlineData("sum by (a) (sum by (a, b) (x{c=\"d\"}))", "x{a, b, c}")]
    public void Finds_every_selector_with_the_labels_it_needs(string expression, string expected) =>
        Assert.Equal(expected, Describe(expression));

    [Fact]
    public void Keeps_matcher_operators_and_unescaped_values()
    {
        var selector = Assert.Single(PromQl.Selectors("x{a=\"1\", b!=\"two\", c=~\"x|y\", d!~\"q\\\\.r\", e=\"$var\"}"));
        Assert.Equal(
            [new("a", "=", "1"), new("b", "!=", "two"), new("c", "=~", "x|y"), new("d", "!~", "q\\.r"), new PromQlMatcher("e", "=", "$var")],
            selector.Matchers);
        Assert.True(selector.Matchers[^1].IsTemplated);
        Assert.False(selector.Matchers[0].IsTemplated);
    }

    [Theory]
    [InlineData("sum(rate(a[5m])")]
    [InlineData("sum by rule (a)")]
    [InlineData("a{b=\"c\"")]
    [InlineData("a{b}")]
    [InlineData("a{b>\"c\"}")]
    [InlineData("rate(a[5m)")]
    [InlineData("a ~ b")]
    [InlineData("{job=\"x\"}")]
    [InlineData("a b")]
    [InlineData("by")]
    public void Refuses_what_is_not_PromQL(string expression) =>
        Assert.Throws<FormatException>(() => PromQl.Selectors(expression));
}
