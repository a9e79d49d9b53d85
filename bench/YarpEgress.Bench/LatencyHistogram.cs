using System.Diagnostics;

namespace YarpEgress.Bench;

/// <summary>
/// Latencies in microseconds, log-linear buckets (64 per power of two, under 2 % error), thread-safe and allocation-free
/// to record.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 64;
    private readonly long[] _counts = new long[SubBuckets * 40];

    public void RecordSince(long startTimestamp) => Record((long)Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds);

    public void Record(long micros) => Interlocked.Increment(ref _counts[Index(Math.Max(micros, 0))]);

    public long Percentile(double percentile)
    {
        long total = 0;
        foreach (var count in _counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(total * percentile / 100);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return UpperBound(i);
            }
        }

        return UpperBound(_counts.Length - 1);
    }

    private static int Index(long micros)
    {
        if (micros < SubBuckets)
        {
            return (int)micros;
        }

        var magnitude = 63 - (int)long.LeadingZeroCount(micros) - 6; // 0 for [64, 128), 1 for [128, 256)
        var sub = (int)(micros >> magnitude) - SubBuckets;      // 0..63
        return Math.Min(SubBuckets * (magnitude + 1) + sub, SubBuckets * 40 - 1);
    }

    private static long UpperBound(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        var magnitude = index / SubBuckets - 1;
        var sub = index % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << magnitude) - 1;
    }
}
