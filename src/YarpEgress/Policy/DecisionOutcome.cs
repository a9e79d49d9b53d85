namespace YarpEgress.Policy;

/// <summary>What the allowlist says of a destination.</summary>
internal enum DecisionOutcome
{
    Allowed,

    Denied,

    /// <summary>Would be denied, but Report mode (global or on the Deny rule) lets it through and reports it.</summary>
    Reported,
}
