using System.Net.Sockets;
using System.Text;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tests.Sni;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// A client that half-closes right after its request (<c>sendall(request); shutdown(SHUT_WR)</c>) ends its sending
/// direction only: the CONNECT head, the plain-HTTP request and the ClientHello are all answered, and an upstream that
/// answers only after the FIN reaches the client.
/// </summary>
public class HalfCloseTests : IAsyncLifetime
{
    /// <summary>Whether the gateway relays detached tunnels with the splice engine; <see cref="HalfCloseCopierTests"/> runs every test with the copier.</summary>
    protected virtual bool Splice => true;

    private const int Rounds = 100;

    private TcpUpstream _answerOnFin = null!;
    private HttpUpstream _http = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _answerOnFin = TcpUpstream.AnswerOnFin();
        _http = await HttpUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(TestGateway.Config(
            splice: Splice,
            allow: [new { Host = "a.example.test", Ports = new[] { $"{_answerOnFin.Port}", $"{_http.HttpPort}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            listeners:
            [
                new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http", UpstreamPort = (int?)null },
                new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)_answerOnFin.Port },
            ]));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _http.DisposeAsync();
        await _answerOnFin.DisposeAsync();
    }

    [Fact]
    public async Task SNI_passthrough_delivers_the_upstream_answer_to_a_hello_sent_with_its_FIN()
    {
        var hello = ClientHelloSamples.ChromiumStyle("a.example.test");
        for (var i = 0; i < Rounds; i++)
        {
            using var raw = await RawClient.ConnectAsync(_gateway.EndPoint("tls"));
            await raw.SendAsync(hello);
            raw.Socket.Shutdown(SocketShutdown.Send);
            Assert.Equal($"got {hello.Length} bytes", Encoding.ASCII.GetString(await raw.ReadToEndAsync()));
        }
    }

    [Fact]
    public async Task CONNECT_answers_a_head_sent_with_its_FIN_and_relays_the_upstream_answer()
    {
        for (var i = 0; i < Rounds; i++)
        {
            using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
            await raw.SendAsync($"CONNECT a.example.test:{_answerOnFin.Port} HTTP/1.1\r\n\r\nround {i:D3}");
            raw.Socket.Shutdown(SocketShutdown.Send);
            var answer = Encoding.ASCII.GetString(await raw.ReadToEndAsync());
            Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\ngot 9 bytes", answer);
        }
    }

    [Fact]
    public async Task CONNECT_answers_a_bare_head_sent_with_its_FIN()
    {
        for (var i = 0; i < Rounds; i++)
        {
            using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
            await raw.SendAsync($"CONNECT a.example.test:{_answerOnFin.Port} HTTP/1.1\r\nHost: a.example.test:{_answerOnFin.Port}\r\n\r\n");
            raw.Socket.Shutdown(SocketShutdown.Send);
            Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\ngot 0 bytes", Encoding.ASCII.GetString(await raw.ReadToEndAsync()));
        }
    }

    [Fact]
    public async Task A_refused_CONNECT_sent_with_its_FIN_still_gets_its_answer()
    {
        for (var i = 0; i < Rounds; i++)
        {
            using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
            await raw.SendAsync("CONNECT denied.example.test:443 HTTP/1.1\r\n\r\n");
            raw.Socket.Shutdown(SocketShutdown.Send);
            var answer = Encoding.ASCII.GetString(await raw.ReadToEndAsync());
            Assert.StartsWith("HTTP/1.1 403 ", answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_plain_GET_sent_with_its_FIN_gets_its_response()
    {
        for (var i = 0; i < Rounds; i++)
        {
            using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
            await raw.SendAsync($"GET http://a.example.test:{_http.HttpPort}/echo?round={i} HTTP/1.1\r\nHost: a.example.test:{_http.HttpPort}\r\n\r\n");
            raw.Socket.Shutdown(SocketShutdown.Send);
            var response = Encoding.ASCII.GetString(await raw.ReadToEndAsync());
            Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
            Assert.Contains($"target=/echo?round={i}\n", response, StringComparison.Ordinal);
        }
    }
}
