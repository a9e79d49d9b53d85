using YarpEgress.Configuration;

namespace YarpEgress.Telemetry.Insights;

/// <summary>Follows the config store's reloads for <c>/stats/config</c>: generation, load time, rejections.</summary>
internal sealed class ConfigHistory
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private ConfigState _state;

    public ConfigHistory(EgressConfigStore store, TimeProvider time)
    {
        _time = time;
        var now = time.GetUtcNow();
        _state = new ConfigState(1, now, now, 0, null, 0);
        store.Changed += _ => Update(s => s with { Generation = s.Generation + 1, LoadedAt = _time.GetUtcNow() });
        store.Rejected += errors => Update(s => s with { Rejected = s.Rejected + 1, LastRejectedAt = _time.GetUtcNow(), LastRejectedErrors = errors.Count });
    }

    public ConfigState State => Volatile.Read(ref _state);

    private void Update(Func<ConfigState, ConfigState> change)
    {
        lock (_gate)
        {
            Volatile.Write(ref _state, change(_state));
        }
    }
}
