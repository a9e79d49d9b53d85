using System.Buffers;

namespace YarpEgress.Fuzz.Infrastructure;

/// <summary>
/// The input of a parser target: a small header that chooses a cap and where the payload is cut into segments, then
/// the payload. Byte 0: low nibble = how many cut bytes follow (0-15), high nibble = the cap choice (0-15). Each cut
/// byte is one segment's length less one; what is left after the last cut is the last segment.
/// </summary>
internal readonly record struct SegmentedInput(byte[] Payload, int CapChoice, int[] Cuts)
{
    public static SegmentedInput Read(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return new SegmentedInput([], 0, []);
        }

        var cutCount = Math.Min(input[0] & 0x0F, input.Length - 1);
        var capChoice = input[0] >> 4;
        var payload = input[(1 + cutCount)..].ToArray();
        var cuts = new List<int>(cutCount);
        var at = 0;
        for (var i = 0; i < cutCount; i++)
        {
            at += 1 + input[1 + i];
            if (at >= payload.Length)
            {
                break;
            }

            cuts.Add(at);
        }

        return new SegmentedInput(payload, capChoice, [.. cuts]);
    }

    /// <summary>The cap: mostly the real default, sometimes small or right at the payload's length, so the cap checks run.</summary>
    public int Cap(int realDefault, ReadOnlySpan<int> small) => CapChoice switch
    {
        < 8 => realDefault,
        13 => Math.Max(1, Payload.Length),
        14 => Payload.Length + 1,
        15 => Math.Max(1, Payload.Length - 1),
        _ => small[(CapChoice - 8) % small.Length],
    };

    /// <summary>The segmentations every target compares: whole, as the header cuts it, and in small pieces.</summary>
    public IEnumerable<(string Name, ReadOnlySequence<byte> Buffer)> Segmentations()
    {
        yield return ("one segment", new ReadOnlySequence<byte>(Payload));
        yield return ("the input's cuts", Sequences.Split(Payload, Cuts));
        var step = Payload.Length <= 512 ? 1 : 7;
        yield return ($"{step}-byte segments", Sequences.Split(Payload, Sequences.Every(step, Payload.Length)));
    }

    /// <summary>The prefixes a connection would see, read by read: one per cut, then the whole payload.</summary>
    public IEnumerable<ReadOnlySequence<byte>> Reads()
    {
        foreach (var cut in Cuts)
        {
            yield return Sequences.Split(Payload.AsMemory(0, cut).ToArray(), Cuts);
        }

        yield return Sequences.Split(Payload, Cuts);
    }
}
