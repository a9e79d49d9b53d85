using System.Collections.Concurrent;

namespace YarpEgress.Telemetry;

/// <summary>
/// Caps the distinct <c>destination_host</c> label values, so no caller can grow the series count without bound:
/// the first N allowed hosts keep their name, later ones become <c>other</c>. Denied and unparseable traffic never
/// reaches here; it is labelled by outcome (<see cref="Denied"/>, <see cref="Invalid"/>).
/// </summary>
internal sealed class DestinationLabels(Func<int> limit)
{
    public const string Other = "other";
    public const string Denied = "denied";
    public const string Invalid = "invalid";

    private readonly ConcurrentDictionary<string, string> _known = new(StringComparer.Ordinal);
    private int _count;

    public string For(string host)
    {
        if (_known.TryGetValue(host, out var label))
        {
            return label;
        }

        if (Interlocked.Increment(ref _count) > limit())
        {
            Interlocked.Decrement(ref _count);
            return Other;
        }

        if (!_known.TryAdd(host, host))
        {
            Interlocked.Decrement(ref _count); // another thread added it first
        }

        return host;
    }
}
