namespace YarpEgress.Policy;

/// <summary>
/// The compiled allowlist. A destination may leave when some Allow rule matches its host (or, for IP literals,
/// its address) and port, and no Deny rule does: Deny wins. Host rules are indexed, CIDR rules scanned.
/// </summary>
internal sealed class EgressPolicy
{
    private readonly HostRuleIndex<PolicyRule> _allowHosts = new();
    private readonly HostRuleIndex<PolicyRule> _denyHosts = new();
    private readonly List<PolicyRule> _allowNetworks = [];
    private readonly List<PolicyRule> _denyNetworks = [];

    public EgressPolicy(IEnumerable<PolicyRule> rules)
    {
        foreach (var rule in rules)
        {
            var allow = rule.Kind == RuleKind.Allow;
            if (rule.HostPatternOrNull is not null)
            {
                (allow ? _allowHosts : _denyHosts).Add(rule);
            }
            else
            {
                (allow ? _allowNetworks : _denyNetworks).Add(rule);
            }
        }
    }

    public int RuleCount => _allowHosts.Count + _denyHosts.Count + _allowNetworks.Count + _denyNetworks.Count;

    public PolicyDecision Decide(in Destination destination)
    {
        var deny = Find(_denyHosts, _denyNetworks, destination);
        if (deny is not null)
        {
            return new PolicyDecision(false, deny, destination);
        }

        var allow = Find(_allowHosts, _allowNetworks, destination);
        return new PolicyDecision(allow is not null, allow, destination);
    }

    private static PolicyRule? Find(HostRuleIndex<PolicyRule> hosts, List<PolicyRule> networks, in Destination destination)
    {
        if (destination.Address is not { } address)
        {
            return hosts.FindFirst(destination.Host, destination.Port);
        }

        foreach (var rule in networks)
        {
            if (rule.Matches(address, destination.Port))
            {
                return rule;
            }
        }

        return null;
    }
}
