namespace YarpEgress.Admin;

/// <summary><c>/stats/config</c>: the config generation in force, when it was loaded, rejected reloads, and its outline.</summary>
internal sealed record ConfigStatsView(
    long Generation,
    DateTimeOffset LoadedAt,
    DateTimeOffset StartedAt,
    long Rejected,
    DateTimeOffset? LastRejectedAt,
    int LastRejectedErrors,
    string Mode,
    int RuleCount,
    int Clients,
    List<string> PendingRestart);
