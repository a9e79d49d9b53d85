using System.Buffers;
using YarpEgress.Addressing;
using YarpEgress.Fuzz.Infrastructure;
using YarpEgress.Fuzz.Policy;
using YarpEgress.Listeners.HttpConnect;

namespace YarpEgress.Fuzz.Connect;

/// <summary>
/// The CONNECT head parser on arbitrary bytes in arbitrary segments. Invariants: it never throws; every segmentation
/// gets the same answer, the reference decoding's (status, authority, Proxy-Authorization, where the head ends); an
/// answer other than <see cref="HeadParseStatus.Incomplete"/> is final; a refusal says why; the authority of a
/// complete head goes through <see cref="Destination.TryParse"/> without throwing, to a destination that round-trips.
/// </summary>
internal static class ConnectHeadTarget
{
    public const string Name = "connect";

    private static readonly int[] SmallCaps = [16, 64, 128, 512, 1024];

    public static void Run(ReadOnlySpan<byte> data)
    {
        var input = SegmentedInput.Read(data);
        var cap = input.Cap(16 * 1024, SmallCaps);
        var expected = ReferenceConnectHead.Decode(input.Payload, cap);
        SegmentedChecks.Run(input, $"CONNECT head (cap {cap})", expected, (buffer, how) => Parse(buffer, cap, how), r => Answer(r.Status));
        if (expected.Status == HeadParseStatus.Complete)
        {
            DestinationTarget.CheckAuthority(expected.Authority!, defaultPort: null);
        }
    }

    private static ReferenceConnectHead.Result Parse(ReadOnlySequence<byte> buffer, int cap, string how)
    {
        var (status, end, request, error) = Invariant.NoThrow(
            () => (ConnectRequestParser.TryParse(buffer, cap, out var e, out var r, out var m), e, r, m),
            $"ConnectRequestParser.TryParse ({how})");
        var refused = IsRefusal(status);
        Invariant.That(refused == !string.IsNullOrEmpty(error), $"CONNECT status {status} with error '{error}': a refusal, and only a refusal, says why");
        Invariant.That(status == HeadParseStatus.Complete || request == default, $"CONNECT status {status} came with a request");

        // The head's end is defined on Complete only (the connection is answered and closed otherwise).
        var headLength = status == HeadParseStatus.Complete ? buffer.Slice(buffer.Start, end).Length : 0;
        return new ReferenceConnectHead.Result(status, request.Authority, request.ProxyAuthorization, headLength);
    }

    private static bool IsRefusal(HeadParseStatus status) => status is HeadParseStatus.Invalid or HeadParseStatus.TooLarge;

    /// <summary>NotConnect is a final answer (the bytes go to Kestrel), not a refusal.</summary>
    private static SegmentedChecks.Answer Answer(HeadParseStatus status) =>
        status == HeadParseStatus.Incomplete ? SegmentedChecks.Answer.Incomplete : IsRefusal(status) ? SegmentedChecks.Answer.Refusal : SegmentedChecks.Answer.Final;
}
