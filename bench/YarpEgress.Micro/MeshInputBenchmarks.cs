using System.Buffers;
using System.Net;
using BenchmarkDotNet.Attributes;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Listeners.ProxyHeaders;
using YarpEgress.Policy.Headers;

namespace YarpEgress.Micro;

/// <summary>
/// What meshed and load-balanced traffic adds per request and per connection: the strip list over a sidecar's request
/// headers (nothing to strip, and three to strip), and a PROXY v1 and v2 header parse. All should allocate nothing
/// beyond the parsed endpoints.
/// </summary>
[MemoryDiagnoser]
public class MeshInputBenchmarks
{
    private readonly HeaderStripList _strip = HeaderStripList.Compile(["x-envoy-*", "x-forwarded-client-cert"], new ConfigErrors([], "bench"));
    private readonly HttpRequestMessage _plain = new();
    private ReadOnlySequence<byte> _v1;
    private ReadOnlySequence<byte> _v2;

    [GlobalSetup]
    public void Setup()
    {
        foreach (var name in new[] { "Accept", "User-Agent", "x-request-id", "traceparent", "x-b3-traceid", "Accept-Encoding" })
        {
            _plain.Headers.TryAddWithoutValidation(name, "value");
        }

        _v1 = new ReadOnlySequence<byte>("PROXY TCP4 10.1.2.3 192.0.2.1 56324 443\r\nGET / HTTP/1.1\r\n"u8.ToArray());
        byte[] v2 = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00, 0x0C, 10, 1, 2, 3, 192, 0, 2, 1, 0xDC, 0x04, 0x01, 0xBB];
        _v2 = Segments.Split(v2, 7, 20);
    }

    [Benchmark(Baseline = true)]
    public int StripNothing()
    {
        _strip.RemoveFrom(_plain.Headers);
        return _plain.Headers.NonValidated.Count;
    }

    [Benchmark]
    public int StripSidecarHeaders()
    {
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("x-envoy-peer-metadata", "ChoKDkFQUF9DT05UQUlORVJT");
        request.Headers.TryAddWithoutValidation("x-envoy-attempt-count", "1");
        request.Headers.TryAddWithoutValidation("x-forwarded-client-cert", "By=spiffe://cluster.local/ns/a/sa/b");
        request.Headers.TryAddWithoutValidation("Accept", "*/*");
        _strip.RemoveFrom(request.Headers);
        return request.Headers.NonValidated.Count;
    }

    [Benchmark]
    public IPEndPoint? ProxyV1() => Parse(_v1);

    [Benchmark]
    public IPEndPoint? ProxyV2ThreeSegments() => Parse(_v2);

    private static IPEndPoint? Parse(in ReadOnlySequence<byte> buffer) =>
        ProxyHeaderParser.TryParse(buffer, out var header, out _, out _) == ProxyHeaderStatus.Complete ? header.Source : throw new InvalidOperationException();
}
