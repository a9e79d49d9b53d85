using YarpEgress.Addressing;
namespace YarpEgress.Policy;

/// <summary>The outcome of <see cref="EgressPolicy.Decide"/>: allowed, denied or reported, the rule that decided, and why in words.</summary>
internal readonly record struct PolicyDecision(DecisionOutcome Outcome, PolicyRule? Rule, Destination Destination)
{
    /// <summary>True when the traffic may go (allowed, or reported only).</summary>
    public bool IsAllowed => Outcome != DecisionOutcome.Denied;

    /// <summary>One line for the client and the log, e.g. <c>denied by Deny rule 'secret.wikipedia.org'</c>.</summary>
    public string Reason => (Outcome, Rule) switch
    {
        (DecisionOutcome.Allowed, { } rule) => $"allowed by Allow rule '{rule.Description}'",
        (DecisionOutcome.Denied, { } rule) => $"denied by Deny rule '{rule.Description}'",
        (DecisionOutcome.Denied, null) => $"no Allow rule matches '{Destination}'",
        (DecisionOutcome.Reported, { } rule) => $"reported: would be denied by Deny rule '{rule.Description}'",
        _ => $"reported: no Allow rule matches '{Destination}'",
    };

    /// <summary>The metrics and access-log word: allowed, denied or reported.</summary>
    public string Name => Outcome switch
    {
        DecisionOutcome.Allowed => "allowed",
        DecisionOutcome.Denied => "denied",
        _ => "reported",
    };
}
