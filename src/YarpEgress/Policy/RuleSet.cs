using YarpEgress.Addressing;
namespace YarpEgress.Policy;

/// <summary>Rules of one kind: host rules in the label trie, address rules in order.</summary>
internal sealed class RuleSet
{
    private readonly HostRuleIndex<PolicyRule> _hosts = new();
    private readonly List<PolicyRule> _networks = [];

    public int Count => _hosts.Count + _networks.Count;

    public void Add(PolicyRule rule)
    {
        if (rule.HostPatternOrNull is not null)
        {
            _hosts.Add(rule);
        }
        else
        {
            _networks.Add(rule);
        }
    }

    /// <summary>The first rule (in config order) that matches the destination's host, or address for IP literals, and port.</summary>
    public PolicyRule? Find(in Destination destination)
    {
        if (destination.Address is not { } address)
        {
            return _hosts.FindFirst(destination.Host, destination.Port);
        }

        foreach (var rule in _networks)
        {
            if (rule.Matches(address, destination.Port))
            {
                return rule;
            }
        }

        return null;
    }
}
