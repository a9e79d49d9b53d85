using System.Buffers;
using YarpEgress.Fuzz.Infrastructure;
using YarpEgress.Tls;

namespace YarpEgress.Fuzz.Sni;

/// <summary>
/// The ClientHello parser on arbitrary bytes in arbitrary segments. Invariants: it never throws; every segmentation
/// of the same bytes gets the same answer; the answer is the reference decoding's; an answer other than
/// <see cref="ClientHelloStatus.Incomplete"/> is final (more bytes keep a hello, and keep a refusal a refusal); a refusal, and only a refusal, has an error text.
/// </summary>
internal static class ClientHelloTarget
{
    public const string Name = "clienthello";

    private static readonly int[] SmallCaps = [64, 256, 517, 1024, 2048];

    public static void Run(ReadOnlySpan<byte> data)
    {
        var input = SegmentedInput.Read(data);
        var cap = input.Cap(16 * 1024, SmallCaps);
        var expected = ReferenceClientHello.Decode(input.Payload, cap);
        SegmentedChecks.Run(input, $"ClientHello (cap {cap})", expected, (buffer, how) => Parse(buffer, cap, how), r => Answer(r.Status));
    }

    private static ReferenceClientHello.Result Parse(ReadOnlySequence<byte> buffer, int cap, string how)
    {
        var (status, hello, error) = Invariant.NoThrow(
            () => (ClientHelloParser.TryParse(buffer, cap, out var h, out var e), h, e),
            $"ClientHelloParser.TryParse ({how})");
        var refused = IsRefusal(status);
        Invariant.That(refused == !string.IsNullOrEmpty(error), $"ClientHello status {status} with error '{error}': a refusal, and only a refusal, says why");
        Invariant.That(status == ClientHelloStatus.Complete || hello == default, $"ClientHello status {status} came with a hello");
        return new ReferenceClientHello.Result(status, hello.ServerName, hello.Alpn);
    }

    private static bool IsRefusal(ClientHelloStatus status) => status is ClientHelloStatus.NotTls or ClientHelloStatus.Malformed or ClientHelloStatus.TooLarge;

    private static SegmentedChecks.Answer Answer(ClientHelloStatus status) =>
        status == ClientHelloStatus.Incomplete ? SegmentedChecks.Answer.Incomplete : IsRefusal(status) ? SegmentedChecks.Answer.Refusal : SegmentedChecks.Answer.Final;
}
