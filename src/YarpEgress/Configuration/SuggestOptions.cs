namespace YarpEgress.Configuration;

/// <summary><c>Egress:Suggest</c>: how <c>/allowlist/suggested</c> learns an allowlist from the traffic seen since start.</summary>
public sealed class SuggestOptions
{
    /// <summary>Names sharing a parent (distinct labels under it) that collapse into one <c>*.</c> or <c>**.</c> pattern.</summary>
    public int MinSiblings { get; set; } = 3;

    /// <summary>Distinct destination names (per client) remembered; connections to names past it are only counted.</summary>
    public int MaxNames { get; set; } = 10_000;
}
