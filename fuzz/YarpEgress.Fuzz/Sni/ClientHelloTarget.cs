using System.Buffers;
using YarpEgress.Fuzz.Infrastructure;
using YarpEgress.Sni;

namespace YarpEgress.Fuzz.Sni;

/// <summary>
/// The ClientHello parser on arbitrary bytes in arbitrary segments. Invariants: it never throws; every segmentation
/// of the same bytes gets the same answer; the answer is the reference decoding's; an answer other than
/// <see cref="ClientHelloStatus.Incomplete"/> is final (more bytes never change it); a refusal has an error text.
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
        foreach (var (name, buffer) in input.Segmentations())
        {
            var actual = Parse(buffer, cap, name);
            Invariant.Equal(expected, actual, $"ClientHello ({name}, cap {cap}) against the reference decoding");
        }

        // Read by read, as a connection delivers it: an answer is final. A complete hello stays the same; a
        // refusal stays a refusal (its kind may change: a prefix at the cap is TooLarge, more bytes may show why).
        foreach (var prefix in input.Reads())
        {
            var seen = Parse(prefix, cap, "a prefix");
            if (seen.Status != ClientHelloStatus.Incomplete)
            {
                var what = $"ClientHello after {prefix.Length} of {input.Payload.Length} bytes (cap {cap}) said {seen}, all bytes {expected}";
                Invariant.That(IsRefusal(seen.Status) ? IsRefusal(expected.Status) : seen == expected, what);
                break;
            }
        }
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
}
