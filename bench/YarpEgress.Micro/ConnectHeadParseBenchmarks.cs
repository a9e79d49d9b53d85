using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using YarpEgress.Listeners.HttpConnect;

namespace YarpEgress.Micro;

/// <summary>The proxy listener's first step: parse a CONNECT head as curl sends it.</summary>
[MemoryDiagnoser]
public class ConnectHeadParseBenchmarks
{
    private ReadOnlySequence<byte> _head;

    [GlobalSetup]
    public void Setup() => _head = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(
        "CONNECT api.payments.example.com:443 HTTP/1.1\r\nHost: api.payments.example.com:443\r\nUser-Agent: curl/8.5.0\r\nProxy-Connection: Keep-Alive\r\n\r\n"));

    [Benchmark]
    public string Parse()
    {
        var status = ConnectRequestParser.TryParse(_head, 16 * 1024, out _, out var request, out _);
        return status == HeadParseStatus.Complete ? request.Authority : throw new InvalidOperationException(status.ToString());
    }
}
