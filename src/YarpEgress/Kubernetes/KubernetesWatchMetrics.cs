using System.Diagnostics.Metrics;
using YarpEgress.Telemetry;

namespace YarpEgress.Kubernetes;

/// <summary>
/// The pod watch's instruments, on the gateway's meter (<see cref="EgressMetrics.MeterName"/>, shared through the
/// meter factory): whether the index is in sync, the events applied, the failures by reason, the lists made, and the
/// pods indexed.
/// </summary>
internal sealed class KubernetesWatchMetrics
{
    private readonly Counter<long> _events;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _lists;
    private int _scopes;
    private int _synced;

    public KubernetesWatchMetrics(IMeterFactory meters, PodIndex index)
    {
        var meter = meters.Create(EgressMetrics.MeterName);
        meter.CreateObservableGauge("egress.kubernetes.watch.synced", () => _scopes > 0 && Volatile.Read(ref _synced) == _scopes ? 1 : 0, "{state}",
            "1 while every pod watch is listed and connected, 0 while one is out of sync (identity then comes from what was seen before, or the address alone)");
        _events = meter.CreateCounter<long>("egress.kubernetes.watch.events", "{event}", "Pod watch events applied, by type");
        _failures = meter.CreateCounter<long>("egress.kubernetes.watch.failures", "{failure}", "Pod lists and watches that failed, by reason");
        _lists = meter.CreateCounter<long>("egress.kubernetes.watch.lists", "{list}", "Full pod lists made (at start-up, after 410 Gone, after an expired index)");
        meter.CreateObservableGauge("egress.kubernetes.pods", () => index.Count, "{pod}", "Pods in the address index");
    }

    /// <summary>A watch scope (a namespace, or the cluster) starts, out of sync.</summary>
    public void ScopeStarted() => Interlocked.Increment(ref _scopes);

    public void Synced() => Interlocked.Increment(ref _synced);

    public void Unsynced() => Interlocked.Decrement(ref _synced);

    /// <param name="type">added, modified, deleted, bookmark (a fixed set).</param>
    public void Event(string type) => _events.Add(1, new KeyValuePair<string, object?>("type", type));

    /// <param name="reason">unreachable, forbidden, gone, dropped, stalled, empty, error, config (a fixed set).</param>
    public void Failure(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Listed() => _lists.Add(1);
}
