using System.Buffers;

namespace YarpEgress.Fuzz.Infrastructure;

/// <summary>The checks every parser of a byte stream shares: segmentation does not matter, and an answer is final.</summary>
internal static class SegmentedChecks
{
    /// <param name="expected">The reference decoding of all the payload's bytes.</param>
    /// <param name="parse">The parser under test on a sequence, with its own checks, as a comparable result.</param>
    /// <param name="status">The status of a result: Incomplete, a refusal, or another final answer.</param>
    public static void Run<TResult>(SegmentedInput input, string what, TResult expected, Func<ReadOnlySequence<byte>, string, TResult> parse, Func<TResult, Answer> status)
    {
        foreach (var (name, buffer) in input.Segmentations())
        {
            Invariant.Equal(expected, parse(buffer, name), $"{what} ({name}) against the reference decoding");
        }

        // Read by read, as a connection delivers it: an answer is final. A complete (or passed-on) answer stays the
        // same; a refusal stays a refusal, though its kind may change (a prefix at the cap is too large, more bytes
        // may show that they are malformed).
        foreach (var prefix in input.Reads())
        {
            var seen = parse(prefix, "a prefix");
            var answer = status(seen);
            if (answer != Answer.Incomplete)
            {
                Invariant.That(answer == Answer.Refusal ? status(expected) == Answer.Refusal : EqualityComparer<TResult>.Default.Equals(seen, expected),
                    $"{what} after {prefix.Length} of {input.Payload.Length} bytes said {seen}, all bytes {expected}");
                break;
            }
        }
    }

    public enum Answer
    {
        Incomplete,
        Refusal,
        Final,
    }
}
