using System.Net;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Policy;

namespace YarpEgress.Tests.Configuration.Compilation;

public sealed class RuleCompilerTests
{
    private static (List<PolicyRule> Rules, List<string> Errors) Compile(RuleKind kind, params RuleOptions[] list)
    {
        var errors = new List<string>();
        var rules = new List<PolicyRule>();
        RuleCompiler.Compile([.. list], kind, new ConfigErrors(errors).Scope(kind.ToString()), rules);
        return (rules, errors);
    }

    [Fact]
    public void Compiles_host_and_network_rules_with_their_default_ports()
    {
        var (rules, errors) = Compile(RuleKind.Allow, new RuleOptions { Host = "*.example.com" }, new RuleOptions { Cidr = "10.0.0.0/8", Ports = ["22", "8000-8100"] });
        Assert.Empty(errors);
        Assert.Equal(2, rules.Count);
        Assert.True(rules[0].Ports.Contains(443) && rules[0].Ports.Contains(80) && !rules[0].Ports.Contains(22));
        Assert.True(rules[1].Ports.Contains(8050) && !rules[1].Ports.Contains(443));
        Assert.Equal(IPNetwork.Parse("10.0.0.0/8"), rules[1].Network);
        (rules, errors) = Compile(RuleKind.Deny, new RuleOptions { Host = "bad.example" });
        Assert.Empty(errors);
        Assert.True(Assert.Single(rules).Ports.Contains(22)); // a Deny rule covers every port by default
    }

    [Fact]
    public void Reports_each_bad_rule_and_keeps_the_good_ones()
    {
        var (rules, errors) = Compile(
            RuleKind.Allow,
            new RuleOptions { Host = "ok.example", Mode = EnforcementMode.Report },
            new RuleOptions { Host = "ok.example", Ports = [] },
            new RuleOptions { Cidr = "10.0.0.0/8", Ports = ["0"] },
            new RuleOptions { Host = "fine.example" });
        Assert.Equal(
            [
                "Egress:Allow:0:Mode: Report applies to Deny rules (or to the whole policy with Egress:Mode)",
                "Egress:Allow:1:Ports: the list is empty; leave it out for the default ports",
                "Egress:Allow:2:Ports:0: '0' is not a port (1-65535) or a port range such as 8000-8100",
            ],
            errors);
        Assert.Equal(2, rules.Count); // the Report-mode Allow is reported but compiled; the port errors leave their rules out
        Assert.True(rules[0].ReportOnly);
        Assert.Equal(3, rules[1].Order);
    }
}
