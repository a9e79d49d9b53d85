using CsCheck;
using YarpEgress.Policy;

namespace YarpEgress.Tests.Policy;

public sealed class HostRuleIndexTests
{
    private sealed class Rule(int order, HostPattern pattern, PortSet ports) : IHostRule
    {
        public int Order { get; } = order;

        public HostPattern Pattern { get; } = pattern;

        public bool MatchesPort(int port) => ports.Contains(port);
    }

    // A small alphabet of labels so that random patterns and hosts collide often.
    private static readonly Gen<string> Label = Gen.OneOf("a", "b", "com", "x");
    private static readonly Gen<string> PatternLabel = Gen.OneOf<string>(Label, Label, Label, Gen.Const("*"));
    private static readonly Gen<string> Pattern = Gen.Select(Gen.Bool, PatternLabel.Array[1, 4], (deep, labels) => (deep ? "**." : string.Empty) + string.Join('.', labels));
    private static readonly Gen<string> Host = Label.Array[1, 5].Select(labels => string.Join('.', labels));

    [Fact]
    public void Property_the_trie_finds_what_a_linear_scan_finds()
    {
        Gen.Select(Pattern.Array[0, 30], Host.Array[1, 20], Gen.Int[79, 81]).Sample((patterns, hosts, port) =>
        {
            var index = new HostRuleIndex<Rule>();
            var rules = new List<Rule>();
            for (var i = 0; i < patterns.Length; i++)
            {
                Assert.True(HostPattern.TryParse(patterns[i], out var pattern, out var error), error);
                var ports = i % 3 == 0 ? PortSet.Web : PortSet.All;
                var rule = new Rule(i, pattern, ports);
                rules.Add(rule);
                index.Add(rule);
            }

            foreach (var host in hosts)
            {
                var expected = rules.FirstOrDefault(r => r.Pattern.IsMatch(host) && r.MatchesPort(port));
                Assert.Same(expected, index.FindFirst(host, port));
            }
        }, iter: 2000);
    }

    [Fact]
    public void Lowest_order_wins_when_several_rules_match()
    {
        var index = new HostRuleIndex<Rule>();
        HostPattern.TryParse("**.example.com", out var deep, out _);
        HostPattern.TryParse("*.example.com", out var star, out _);
        HostPattern.TryParse("www.example.com", out var exact, out _);
        var second = new Rule(2, deep, PortSet.All);
        var first = new Rule(1, star, PortSet.All);
        index.Add(second);
        index.Add(new Rule(3, exact, PortSet.All));
        index.Add(first);
        Assert.Same(first, index.FindFirst("www.example.com", 443));
        Assert.Same(second, index.FindFirst("a.www.example.com", 443));
        Assert.Null(index.FindFirst("example.com", 443));
    }
}
