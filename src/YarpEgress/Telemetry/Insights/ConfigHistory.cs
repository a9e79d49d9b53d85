namespace YarpEgress.Telemetry.Insights;

/// <summary>The config store's reloads, as <c>/stats/config</c> shows them: generation, load time, rejections.</summary>
internal sealed class ConfigHistory
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private ConfigState _state;

    public ConfigHistory(TimeProvider time)
    {
        _time = time;
        var now = time.GetUtcNow();
        _state = new ConfigState(1, now, now, 0, null, 0);
    }

    public ConfigState State => Volatile.Read(ref _state);

    /// <summary>A reloaded config is in force: the next generation.</summary>
    public void Loaded() => Update(s => s with { Generation = s.Generation + 1, LoadedAt = _time.GetUtcNow() });

    /// <summary>A reloaded config failed validation with this many errors; the generation in force stays.</summary>
    public void Rejected(int errors) => Update(s => s with { Rejected = s.Rejected + 1, LastRejectedAt = _time.GetUtcNow(), LastRejectedErrors = errors });

    private void Update(Func<ConfigState, ConfigState> change)
    {
        lock (_gate)
        {
            Volatile.Write(ref _state, change(_state));
        }
    }
}
