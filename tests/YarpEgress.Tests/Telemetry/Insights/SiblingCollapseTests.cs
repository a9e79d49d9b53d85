using YarpEgress.Policy;
using YarpEgress.Telemetry.Insights;

namespace YarpEgress.Tests.Telemetry.Insights;

/// <summary>
/// Names seen become Allow rules; siblings collapse into <c>*.</c> or <c>**.</c> only when enough share a parent, never
/// under a one-label or a two-label country suffix, and every pattern suggested matches exactly what HostPattern says.
/// </summary>
public sealed class SiblingCollapseTests
{
    private static SeenName Seen(string host, params int[] ports) =>
        new(host, new SortedDictionary<int, long>(ports.Length == 0 ? new Dictionary<int, long> { [443] = 1 } : ports.ToDictionary(p => p, _ => 1L)), false, 0, 1, 0);

    private static string[] Hosts(IEnumerable<SeenName> names, int minSiblings = 3) =>
        [.. SiblingCollapse.Collapse(names, minSiblings).Select(r => r.Host)];

    [Theory]
    // Three names one label under the same parent: one '*.' rule.
    [InlineData("a.img.example.com b.img.example.com c.img.example.com", "*.img.example.com")]
    // Two are not enough at MinSiblings 3.
    [InlineData("a.img.example.com b.img.example.com", "a.img.example.com b.img.example.com")]
    // Three branches under a parent at different depths: '**.' (one or more labels).
    [InlineData("p.eu.data.example.net q.us.data.example.net r.ap.data.example.net", "**.data.example.net")]
    [InlineData("x.data.example.net q.us.data.example.net r.data.example.net", "**.data.example.net")]
    // The parent itself is not matched by either pattern: it keeps its own rule.
    [InlineData("example.org a.example.org b.example.org c.example.org", "*.example.org example.org")]
    // A name with names below it makes the collapse '**.', covering both.
    [InlineData("a.example.org x.a.example.org b.example.org c.example.org", "**.example.org")]
    // Collapsed siblings count as one branch of their grandparent.
    [InlineData("a.cdn.example.com b.cdn.example.com c.cdn.example.com www.example.com", "*.cdn.example.com www.example.com")]
    // Never under one label, nor under a two-label country suffix.
    [InlineData("a.com b.com c.com", "a.com b.com c.com")]
    [InlineData("a.co.uk b.co.uk c.co.uk", "a.co.uk b.co.uk c.co.uk")]
    [InlineData("a.shop.co.uk b.shop.co.uk c.shop.co.uk", "*.shop.co.uk")]
    [InlineData("a.example.de b.example.de c.example.de", "*.example.de")]
    public void Collapses_siblings_when_enough_share_a_parent(string names, string expected)
    {
        Assert.Equal(expected.Split(' '), Hosts(names.Split(' ').Select(n => Seen(n))));
    }

    [Fact]
    public void MinSiblings_sets_the_threshold()
    {
        SeenName[] names = [Seen("a.example.com"), Seen("b.example.com")];
        Assert.Equal(["*.example.com"], Hosts(names, minSiblings: 2));
        Assert.Equal(["a.example.com", "b.example.com"], Hosts(names, minSiblings: 3));
    }

    [Fact]
    public void A_collapsed_rule_has_the_union_of_ports_the_names_and_the_sums()
    {
        var rule = Assert.Single(SiblingCollapse.Collapse(
            [
                new SeenName("a.example.com", new SortedDictionary<int, long> { [443] = 2 }, false, 1, 1, 0),
                new SeenName("b.example.com", new SortedDictionary<int, long> { [8443] = 3, [443] = 1 }, true, 0, 4, 0),
                new SeenName("c.example.com", new SortedDictionary<int, long> { [80] = 1 }, false, 0, 0, 1),
            ], 3));
        Assert.Equal("*.example.com", rule.Host);
        Assert.Equal([80, 443, 8443], rule.Ports);
        Assert.Equal(["a.example.com", "b.example.com", "c.example.com"], rule.Names);
        Assert.Equal((7L, 1L, 5L, 1L, true), (rule.Connections, rule.Allowed, rule.Reported, rule.Denied, rule.MorePorts));
    }

    /// <summary>Whatever names are seen, every name is matched by the rule that names it, and by no narrower guess.</summary>
    [Fact]
    public void Every_name_seen_is_matched_by_the_rule_that_covers_it()
    {
        var random = new Random(17);
        string[] labels = ["a", "b", "c", "d", "api", "eu", "us", "cdn"];
        for (var round = 0; round < 200; round++)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = random.Next(1, 25); i > 0; i--)
            {
                var depth = random.Next(0, 4);
                var name = random.Next(2) == 0 ? "example.com" : "example.net";
                for (var d = 0; d < depth; d++)
                {
                    name = labels[random.Next(labels.Length)] + "." + name;
                }

                names.Add(name);
            }

            var rules = SiblingCollapse.Collapse(names.Select(n => Seen(n)), random.Next(2, 5));
            Assert.Equal(names.Order(StringComparer.Ordinal), rules.SelectMany(r => r.Names).Order(StringComparer.Ordinal));
            foreach (var rule in rules)
            {
                Assert.True(HostPattern.TryParse(rule.Host, out var pattern, out var error), error);
                Assert.All(rule.Names, n => Assert.True(pattern.IsMatch(n), $"{rule.Host} does not match {n}"));
            }
        }
    }
}
