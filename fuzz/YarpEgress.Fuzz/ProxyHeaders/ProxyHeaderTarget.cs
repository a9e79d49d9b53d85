using System.Buffers;
using YarpEgress.Fuzz.Infrastructure;
using YarpEgress.Listeners.ProxyHeaders;

namespace YarpEgress.Fuzz.ProxyHeaders;

/// <summary>
/// The PROXY protocol header parser on arbitrary bytes in arbitrary segments. Invariants: it never throws; every
/// segmentation gets the same answer, the reference decoding's (status, version, addresses, header length); an answer
/// other than <see cref="ProxyHeaderStatus.Incomplete"/> is final; a refusal, and only a refusal, says why; a complete
/// header never claims more bytes than it was given, nor more than a header may have; the signature check agrees.
/// </summary>
internal static class ProxyHeaderTarget
{
    public const string Name = "proxyheader";

    public static void Run(ReadOnlySpan<byte> data)
    {
        var input = SegmentedInput.Read(data);
        var expected = ReferenceProxyHeader.Decode(input.Payload);
        SegmentedChecks.Run(input, "PROXY header", expected, Parse, r => Answer(r.Status));
    }

    private static ReferenceProxyHeader.Result Parse(ReadOnlySequence<byte> buffer, string how)
    {
        var (status, header, length, error) = Invariant.NoThrow(
            () => (ProxyHeaderParser.TryParse(buffer, out var h, out var l, out var e), h, l, e),
            $"ProxyHeaderParser.TryParse ({how})");
        Invariant.That(IsRefusal(status) == !string.IsNullOrEmpty(error), $"PROXY status {status} with error '{error}': a refusal, and only a refusal, says why");
        Invariant.That(status == ProxyHeaderStatus.Complete ? length > 0 && length <= buffer.Length && length <= 16 + ProxyHeaderParser.MaxV2BlockLength : length == 0 && header == default,
            $"PROXY status {status} with length {length} of {buffer.Length} bytes and header {header}");
        var signature = Invariant.NoThrow(() => ProxyHeaderParser.MatchSignature(buffer, out _), $"ProxyHeaderParser.MatchSignature ({how})");
        Invariant.That(status == ProxyHeaderStatus.NotProxy ? signature == ProxyHeaderStatus.NotProxy : signature != ProxyHeaderStatus.NotProxy,
            $"PROXY status {status} but the signature check said {signature}");
        return new ReferenceProxyHeader.Result(status, header, length);
    }

    private static bool IsRefusal(ProxyHeaderStatus status) => status is ProxyHeaderStatus.NotProxy or ProxyHeaderStatus.Invalid or ProxyHeaderStatus.TooLarge;

    private static SegmentedChecks.Answer Answer(ProxyHeaderStatus status) =>
        status == ProxyHeaderStatus.Incomplete ? SegmentedChecks.Answer.Incomplete : IsRefusal(status) ? SegmentedChecks.Answer.Refusal : SegmentedChecks.Answer.Final;
}
