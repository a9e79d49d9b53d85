using System.Collections.Concurrent;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Telemetry;

/// <summary>
/// Caps the distinct <c>client_namespace</c>/<c>client_workload</c> label pairs, as <see cref="DestinationLabels"/> caps
/// destinations: the first N (namespace, workload) pairs keep their own labels, later ones are <c>other</c>/<c>other</c>,
/// and a connection whose pod is unknown is <c>-</c>/<c>-</c>. Pod names never become labels (one series per pod).
/// </summary>
internal sealed class WorkloadLabels(Func<int> limit)
{
    public static readonly (string Namespace, string Workload) Unknown = ("-", "-");
    public static readonly (string Namespace, string Workload) Other = ("other", "other");

    private readonly ConcurrentDictionary<(string Namespace, string Workload), bool> _known = new();
    private int _count;

    public (string Namespace, string Workload) For(WorkloadIdentity? identity)
    {
        if (identity is null)
        {
            return Unknown;
        }

        var key = (identity.Namespace, identity.Workload);
        if (_known.ContainsKey(key))
        {
            return key;
        }

        if (Interlocked.Increment(ref _count) > limit())
        {
            Interlocked.Decrement(ref _count);
            return Other;
        }

        if (!_known.TryAdd(key, true))
        {
            Interlocked.Decrement(ref _count); // another thread added it first
        }

        return key;
    }
}
