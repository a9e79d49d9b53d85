using System.Buffers;
using BenchmarkDotNet.Attributes;
using YarpEgress.Bench;
using YarpEgress.Tls;

namespace YarpEgress.Micro;

/// <summary>The SNI listener's first step: find the server name in a ClientHello, in one segment and split over three.</summary>
[MemoryDiagnoser]
public class ClientHelloParseBenchmarks
{
    private ReadOnlySequence<byte> _single;
    private ReadOnlySequence<byte> _split;

    [GlobalSetup]
    public void Setup()
    {
        var hello = TlsClientHello.For("api.payments.example.com");
        _single = new ReadOnlySequence<byte>(hello);
        _split = Segments.Split(hello, 40, 120);
    }

    [Benchmark(Baseline = true)]
    public string? OneSegment() => Parse(_single);

    [Benchmark]
    public string? ThreeSegments() => Parse(_split);

    private static string? Parse(in ReadOnlySequence<byte> buffer)
    {
        var status = ClientHelloParser.TryParse(buffer, 16 * 1024, out var hello, out _);
        return status == ClientHelloStatus.Complete ? hello.ServerName : throw new InvalidOperationException(status.ToString());
    }
}
