using System.Collections.Concurrent;

namespace YarpEgress.Telemetry;

/// <summary>
/// The first N distinct keys keep their own label values; every later key gets <c>other</c>. Shared by the label caps
/// (<see cref="DestinationLabels"/>, <see cref="WorkloadLabels"/>), so no caller can grow the series count without bound.
/// </summary>
internal sealed class CappedLabels<TKey, TLabel>(Func<int> limit, TLabel other)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TLabel> _known = new();
    private int _count;

    /// <summary>The key's label, made by <paramref name="create"/> while the cap has room, else <c>other</c>.</summary>
    public TLabel For(TKey key, Func<TKey, TLabel> create)
    {
        if (_known.TryGetValue(key, out var label))
        {
            return label;
        }

        if (Interlocked.Increment(ref _count) > limit())
        {
            Interlocked.Decrement(ref _count);
            return other;
        }

        label = create(key);
        if (!_known.TryAdd(key, label))
        {
            Interlocked.Decrement(ref _count); // another thread added it first
            return _known[key];
        }

        return label;
    }
}
