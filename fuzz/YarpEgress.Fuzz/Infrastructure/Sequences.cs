using System.Buffers;

namespace YarpEgress.Fuzz.Infrastructure;

/// <summary>Multi-segment sequences over one array, the way a pipe hands received bytes to a parser.</summary>
internal static class Sequences
{
    /// <summary>Splits <paramref name="data"/> at the offsets (ascending; out-of-range ones ignored), one segment per piece.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, IReadOnlyList<int> cuts)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null, last = null;
        var start = 0;
        for (var i = 0; i <= cuts.Count; i++)
        {
            var end = i < cuts.Count ? cuts[i] : data.Length;
            if (end <= start || end > data.Length)
            {
                continue;
            }

            var segment = new Segment(data.AsMemory(start, end - start), last);
            first ??= segment;
            last = segment;
            start = end;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    public static int[] Every(int step, int length)
    {
        var cuts = new int[Math.Max(0, (length - 1) / step)];
        for (var i = 0; i < cuts.Length; i++)
        {
            cuts[i] = (i + 1) * step;
        }

        return cuts;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
