using System.Buffers;

namespace YarpEgress.Micro;

/// <summary>A byte array as a multi-segment sequence, cut at the given offsets (how a transport hands over a split read).</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        var first = new Segments(bytes.AsMemory(0, cuts[0]), 0);
        var last = first;
        for (var i = 0; i < cuts.Length; i++)
        {
            var end = i + 1 < cuts.Length ? cuts[i + 1] : bytes.Length;
            var next = new Segments(bytes.AsMemory(cuts[i], end - cuts[i]), cuts[i]);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
