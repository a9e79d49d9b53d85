using YarpEgress.Addressing;
using YarpEgress.Policy.Clients;
namespace YarpEgress.Policy;

/// <summary>
/// The compiled allowlist. A destination may leave when some Allow rule matches its host (or, for IP literals,
/// its address) and port, and no Deny rule does: Deny wins. A Deny rule in Report mode, or the whole policy in Report
/// mode, turns a denial into a report: the traffic goes, and the decision says which rule would have stopped it.
/// </summary>
internal sealed class EgressPolicy
{
    private readonly RuleSet _allow = new();
    private readonly RuleSet _deny = new();
    private readonly RuleSet _reportDeny = new();
    private readonly bool _reportOnly;

    public EgressPolicy(IEnumerable<PolicyRule> rules, bool reportOnly = false)
    {
        _reportOnly = reportOnly;
        foreach (var rule in rules)
        {
            (rule.Kind == RuleKind.Allow ? _allow : rule.ReportOnly ? _reportDeny : _deny).Add(rule);
        }
    }

    public int RuleCount => _allow.Count + _deny.Count + _reportDeny.Count;

    /// <summary>Decides for a destination; a client's rules add to the global ones, and a global Deny still wins.</summary>
    public PolicyDecision Decide(in Destination destination, ClientPolicy? client = null)
    {
        if ((_deny.Find(destination) ?? client?.Deny.Find(destination)) is { } deny)
        {
            return new PolicyDecision(_reportOnly ? DecisionOutcome.Reported : DecisionOutcome.Denied, deny, destination);
        }

        var allow = _allow.Find(destination) ?? client?.Allow.Find(destination);
        if (allow is null)
        {
            return new PolicyDecision(_reportOnly ? DecisionOutcome.Reported : DecisionOutcome.Denied, null, destination);
        }

        return _reportDeny.Find(destination) is { } reported
            ? new PolicyDecision(DecisionOutcome.Reported, reported, destination)
            : new PolicyDecision(DecisionOutcome.Allowed, allow, destination);
    }
}
