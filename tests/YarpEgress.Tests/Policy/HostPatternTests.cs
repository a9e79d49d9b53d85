using CsCheck;
using YarpEgress.Addressing;
using YarpEgress.Policy;

namespace YarpEgress.Tests.Policy;

public sealed class HostPatternTests
{
    [Theory]
    // The examples: '*' is exactly one label, a leading '**' one or more.
    [InlineData("*.qq.com", "www.qq.com", true)]
    [InlineData("*.qq.com", "a.b.qq.com", false)]
    [InlineData("*.qq.com", "qq.com", false)]
    [InlineData("**.qq.com", "www.qq.com", true)]
    [InlineData("**.qq.com", "a.b.qq.com", true)]
    [InlineData("**.qq.com", "qq.com", false)]
    // '*' may sit in any label.
    [InlineData("api.*.example.com", "api.eu.example.com", true)]
    [InlineData("api.*.example.com", "api.example.com", false)]
    [InlineData("api.*.example.com", "api.a.b.example.com", false)]
    [InlineData("api.*.example.com", "www.eu.example.com", false)]
    [InlineData("*.*.example.com", "a.b.example.com", true)]
    [InlineData("**.*.example.com", "x.y.example.com", true)]
    [InlineData("**.*.example.com", "y.example.com", false)]
    // Exact names, case and the trailing dot.
    [InlineData("example.com", "example.com", true)]
    [InlineData("Example.COM.", "example.com", true)]
    [InlineData("example.com", "www.example.com", false)]
    [InlineData("example.com", "example.co", false)]
    [InlineData("example.com", "xexample.com", false)]
    [InlineData("**", "anything.at.all", true)]
    [InlineData("**", "single", true)]
    [InlineData("*", "single", true)]
    [InlineData("*", "two.labels", false)]
    // IDN: patterns and hosts compare in punycode.
    [InlineData("bücher.example", "xn--bcher-kva.example", true)]
    [InlineData("*.bücher.example", "www.xn--bcher-kva.example", true)]
    public void Matches_label_by_label(string pattern, string host, bool expected)
    {
        Assert.True(HostPattern.TryParse(pattern, out var parsed, out var error), error);
        Assert.True(HostName.TryNormalize(host, wildcards: false, out var normalized, out error), error);
        Assert.Equal(expected, parsed.IsMatch(normalized));
    }

    [Theory]
    [InlineData("w*w.qq.com", "'*' must stand alone")]
    [InlineData("a..qq.com", "empty label")]
    [InlineData(".qq.com", "empty label")]
    [InlineData("a.**.qq.com", "'**' may only stand as the leftmost label")]
    [InlineData("qq.com.**", "'**' may only stand as the leftmost label")]
    [InlineData("*.*x", "'*' must stand alone in a label ('*x')")]
    [InlineData("", "empty")]
    [InlineData("  ", "empty")]
    [InlineData("exa mple.com", "has the character ' '")]
    [InlineData("-bad.com", "starts or ends with '-'")]
    [InlineData("***.com", "'*' must stand alone")]
    public void Rejects_invalid_patterns_with_a_reason(string pattern, string reason)
    {
        Assert.False(HostPattern.TryParse(pattern, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_label_over_63_and_a_name_over_253_characters()
    {
        Assert.False(HostPattern.TryParse(new string('a', 64) + ".com", out _, out var error));
        Assert.Contains("longer than 63", error, StringComparison.Ordinal);
        var longName = string.Join('.', Enumerable.Repeat(new string('a', 60), 5));
        Assert.False(HostPattern.TryParse(longName, out _, out error));
        Assert.Contains("longer than 253", error, StringComparison.Ordinal);
    }

    private static readonly Gen<string> Label = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 10];
    private static readonly Gen<string[]> Labels = Label.Array[1, 5];

    [Fact]
    public void Property_a_name_matches_itself_in_any_case_with_or_without_trailing_dot()
    {
        Gen.Select(Labels, Gen.Bool, Gen.Bool).Sample((labels, upper, dot) =>
        {
            var name = string.Join('.', labels);
            var written = (upper ? name.ToUpperInvariant() : name) + (dot ? "." : string.Empty);
            Assert.True(HostPattern.TryParse(written, out var pattern, out var error), error);
            Assert.True(pattern.IsMatch(name));
        });
    }

    [Fact]
    public void Property_star_adds_exactly_one_label_and_double_star_one_or_more()
    {
        Gen.Select(Labels, Labels).Sample((suffix, prefix) =>
        {
            var name = string.Join('.', suffix);
            var host = string.Join('.', prefix) + "." + name;
            HostPattern.TryParse("*." + name, out var star, out _);
            HostPattern.TryParse("**." + name, out var deep, out _);
            Assert.Equal(prefix.Length == 1, star.IsMatch(host));
            Assert.True(deep.IsMatch(host));
            Assert.False(star.IsMatch(name));
            Assert.False(deep.IsMatch(name));
        });
    }
}
