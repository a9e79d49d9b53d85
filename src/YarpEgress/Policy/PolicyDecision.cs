namespace YarpEgress.Policy;

/// <summary>The outcome of <see cref="EgressPolicy.Decide"/>: allowed or not, the rule that decided, and why in words.</summary>
internal readonly record struct PolicyDecision(bool IsAllowed, PolicyRule? Rule, Destination Destination)
{
    /// <summary>One line for the client and the log, e.g. <c>denied by Deny rule 'secret.wikipedia.org'</c>.</summary>
    public string Reason => (IsAllowed, Rule) switch
    {
        (true, { } rule) => $"allowed by Allow rule '{rule.Description}'",
        (false, { } rule) => $"denied by Deny rule '{rule.Description}'",
        _ => $"no Allow rule matches '{Destination}'",
    };
}
