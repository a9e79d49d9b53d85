namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// The config generation in force (1 at start, one more per reload taken), when it was loaded, and the reloads rejected
/// since start (the last one's time and error count).
/// </summary>
internal sealed record ConfigState(long Generation, DateTimeOffset LoadedAt, DateTimeOffset StartedAt, long Rejected, DateTimeOffset? LastRejectedAt, int LastRejectedErrors);
