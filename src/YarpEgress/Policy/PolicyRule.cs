using System.Net;

namespace YarpEgress.Policy;

/// <summary>One compiled Allow or Deny rule: a host pattern or an address range, and its ports.</summary>
internal sealed class PolicyRule : IHostRule
{
    private PolicyRule(RuleKind kind, int order, HostPattern? pattern, IPNetwork? network, PortSet ports, bool reportOnly)
    {
        Kind = kind;
        ReportOnly = reportOnly;
        Order = order;
        HostPatternOrNull = pattern;
        Network = network;
        Ports = ports;
    }

    public RuleKind Kind { get; }

    /// <summary>A Deny rule in Report mode: matching traffic is reported, not refused.</summary>
    public bool ReportOnly { get; }

    public int Order { get; }

    public HostPattern? HostPatternOrNull { get; }

    public IPNetwork? Network { get; }

    public PortSet Ports { get; }

    HostPattern IHostRule.Pattern => HostPatternOrNull ?? throw new InvalidOperationException("not a host rule");

    /// <summary>What the rule says, as written in a denial: the pattern or CIDR, with ports when they are not the default.</summary>
    public string Description => HostPatternOrNull?.Text ?? Network!.Value.ToString();

    public static PolicyRule ForHost(RuleKind kind, int order, HostPattern pattern, PortSet ports, bool reportOnly = false) =>
        new(kind, order, pattern, null, ports, reportOnly);

    public static PolicyRule ForNetwork(RuleKind kind, int order, IPNetwork network, PortSet ports, bool reportOnly = false) =>
        new(kind, order, null, network, ports, reportOnly);

    public bool MatchesPort(int port) => Ports.Contains(port);

    public bool Matches(IPAddress address, int port) => Network is { } net && net.Contains(address) && Ports.Contains(port);
}
