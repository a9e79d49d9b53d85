using System.Buffers;
using YarpEgress.Fuzz.Infrastructure;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>Builds multi-segment sequences, to prove parsers do not assume contiguous input (the fuzz targets' own builder).</summary>
internal static class Segments
{
    /// <summary>Splits <paramref name="data"/> at the given offsets (any order) into one segment per piece.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts) =>
        Sequences.Split(data, [.. cuts.Where(c => c > 0 && c < data.Length).Distinct().Order()]);

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> Bytewise(byte[] data) => Sequences.Split(data, Sequences.Every(1, data.Length));
}
