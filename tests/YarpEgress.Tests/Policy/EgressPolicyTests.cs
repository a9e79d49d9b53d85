using YarpEgress.Addressing;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Policy;

namespace YarpEgress.Tests.Policy;

public sealed class EgressPolicyTests
{
    /// <summary>The allowlist of the config contract.</summary>
    private static EgressPolicy ContractPolicy()
    {
        var options = new EgressOptions
        {
            Listeners = [new ListenerOptions { Name = "proxy", Port = 3128 }],
            Allow =
            [
                new RuleOptions { Host = "example.com", Ports = ["80", "443"] },
                new RuleOptions { Host = "*.wikipedia.org", Ports = ["443"] },
                new RuleOptions { Host = "**.qq.com" },
                new RuleOptions { Cidr = "203.0.113.0/24", Ports = ["5432"] },
                new RuleOptions { Cidr = "2001:db8::/32", Ports = ["8000-8100"] },
            ],
            Deny = [new RuleOptions { Host = "secret.wikipedia.org" }],
        };
        var errors = new List<string>();
        var snapshot = EgressConfigCompiler.Compile(options, errors);
        Assert.Empty(errors);
        return snapshot!.Policy;
    }

    [Theory]
    [InlineData("example.com:443", true, "allowed by Allow rule 'example.com'")]
    [InlineData("example.com:80", true, "allowed by Allow rule 'example.com'")]
    [InlineData("example.com:8080", false, "no Allow rule matches 'example.com:8080'")]
    [InlineData("en.wikipedia.org:443", true, "allowed by Allow rule '*.wikipedia.org'")]
    [InlineData("en.wikipedia.org:80", false, "no Allow rule matches 'en.wikipedia.org:80'")]
    [InlineData("a.b.wikipedia.org:443", false, "no Allow rule matches 'a.b.wikipedia.org:443'")]
    [InlineData("secret.wikipedia.org:443", false, "denied by Deny rule 'secret.wikipedia.org'")]
    [InlineData("SECRET.Wikipedia.org.:443", false, "denied by Deny rule 'secret.wikipedia.org'")]
    [InlineData("www.qq.com:443", true, "allowed by Allow rule '**.qq.com'")]
    [InlineData("a.b.qq.com:80", true, "allowed by Allow rule '**.qq.com'")]
    [InlineData("a.b.qq.com:22", false, "no Allow rule matches 'a.b.qq.com:22'")]
    [InlineData("qq.com:443", false, "no Allow rule matches 'qq.com:443'")]
    [InlineData("203.0.113.7:5432", true, "allowed by Allow rule '203.0.113.0/24'")]
    [InlineData("203.0.113.7:443", false, "no Allow rule matches '203.0.113.7:443'")]
    [InlineData("[::ffff:203.0.113.7]:5432", true, "allowed by Allow rule '203.0.113.0/24'")]
    [InlineData("203.0.114.1:5432", false, "no Allow rule matches '203.0.114.1:5432'")]
    [InlineData("[2001:db8::5]:8080", true, "allowed by Allow rule '2001:db8::/32'")]
    [InlineData("[2001:db9::5]:8080", false, "no Allow rule matches '[2001:db9::5]:8080'")]
    public void Decides_the_contract_examples(string authority, bool allowed, string reason)
    {
        Assert.True(Destination.TryParse(authority, null, out var destination, out var error), error);
        var decision = ContractPolicy().Decide(destination);
        Assert.Equal(allowed, decision.IsAllowed);
        Assert.Equal(reason, decision.Reason);
    }

    [Fact]
    public void Host_rules_do_not_match_IP_literals_and_CIDR_rules_do_not_match_names()
    {
        var errors = new List<string>();
        var snapshot = EgressConfigCompiler.Compile(new EgressOptions
        {
            Listeners = [new ListenerOptions { Name = "proxy", Port = 3128 }],
            Allow = [new RuleOptions { Host = "**" }, new RuleOptions { Cidr = "10.0.0.0/8", Ports = ["443"] }],
            Deny = [new RuleOptions { Cidr = "10.1.0.0/16" }],
        }, errors);
        Assert.Empty(errors);
        var policy = snapshot!.Policy;
        Destination.TryParse("198.51.100.1:443", null, out var literal, out _);
        Destination.TryParse("10.2.3.4:443", null, out var inRange, out _);
        Destination.TryParse("10.1.3.4:443", null, out var denied, out _);
        Destination.TryParse("any.name:443", null, out var name, out _);
        Assert.False(policy.Decide(literal).IsAllowed);
        Assert.True(policy.Decide(inRange).IsAllowed);
        Assert.Equal("denied by Deny rule '10.1.0.0/16'", policy.Decide(denied).Reason);
        Assert.True(policy.Decide(name).IsAllowed);
    }
}
