using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>CONNECT tunnels, through HttpClient for https:// and through raw sockets for the protocol's edges.</summary>
public sealed class ConnectTunnelTests : IAsyncLifetime
{
    private HttpUpstream _https = null!;
    private TcpUpstream _echo = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _https = await HttpUpstream.StartAsync();
        _echo = TcpUpstream.Echo();
        _gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow:
            [
                new { Host = "*.example.test", Ports = new[] { $"{_https.HttpsPort}", $"{_echo.Port}" } },
                new { Cidr = "127.0.0.0/8", Ports = new[] { "1-65535" } },
            ],
            deny: [new { Host = "b.example.test" }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1" }),
            services => services.AddLogging(b => b.AddFakeLogging()));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _echo.DisposeAsync();
        await _https.DisposeAsync();
    }

    [Fact]
    public async Task HttpClient_reaches_an_https_upstream_whose_certificate_it_validates()
    {
        using var client = _gateway.CreateClient();
        var response = await client.GetAsync($"https://a.example.test:{_https.HttpsPort}/echo");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("scheme=https\n", body, StringComparison.Ordinal);
        Assert.Contains("target=/echo\n", body, StringComparison.Ordinal);

        var payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        var digest = await client.PostAsync($"https://a.example.test:{_https.HttpsPort}/digest", new ByteArrayContent(payload));
        Assert.Equal($"{payload.Length} {Convert.ToHexString(SHA256.HashData(payload))}", await digest.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Accepts_a_Host_header_without_port_as_Java_and_Python_send_it()
    {
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        await raw.SendAsync($"CONNECT a.example.test:{_echo.Port} HTTP/1.1\r\nHost: a.example.test\r\nUser-Agent: Java/21\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await raw.ReadHeadAsync());
        await raw.SendAsync("ping");
        Assert.Equal("ping", Encoding.ASCII.GetString(await raw.ReadExactlyAsync(4)));
    }

    [Fact]
    public async Task Forwards_bytes_pipelined_right_after_the_head()
    {
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        await raw.SendAsync($"CONNECT 127.0.0.1:{_echo.Port} HTTP/1.1\r\nHost: 127.0.0.1:{_echo.Port}\r\n\r\nearly-bytes");
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await raw.ReadHeadAsync());
        Assert.Equal("early-bytes", Encoding.ASCII.GetString(await raw.ReadExactlyAsync(11)));
    }

    /// <summary>
    /// The tunnel takes the client socket from the transport while the client may already be sending: bytes that
    /// arrive during the hand-over were once lost (the receive loop's cancelled flush had not committed them).
    /// </summary>
    [Fact]
    public async Task Forwards_bytes_sent_the_moment_the_200_arrives_every_time()
    {
        for (var i = 0; i < 300; i++)
        {
            using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
            await raw.SendAsync($"CONNECT 127.0.0.1:{_echo.Port} HTTP/1.1\r\n\r\n");
            Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await raw.ReadHeadAsync());
            await raw.SendAsync($"hello {i:D3}");
            Assert.Equal($"hello {i:D3}", Encoding.ASCII.GetString(await raw.ReadExactlyAsync(9)));
        }
    }

    [Fact]
    public async Task Delivers_bytes_and_the_FIN_sent_together_with_the_head()
    {
        await using var counter = TcpUpstream.Start(async socket =>
        {
            var received = new MemoryStream();
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                received.Write(buffer, 0, read);
            }

            await socket.SendAsync(Encoding.ASCII.GetBytes($"got '{Encoding.ASCII.GetString(received.ToArray())}'"), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        await raw.SendAsync($"CONNECT 127.0.0.1:{counter.Port} HTTP/1.1\r\n\r\nall at once");
        raw.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await raw.ReadHeadAsync());
        Assert.Equal("got 'all at once'", Encoding.ASCII.GetString(await raw.ReadToEndAsync()));
    }

    [Fact]
    public async Task Passes_a_client_half_close_on_and_delivers_everything_after_it()
    {
        // The upstream reads until the client's FIN, then answers with what it got, then closes.
        await using var counter = TcpUpstream.Start(async socket =>
        {
            long total = 0;
            var buffer = new byte[65536];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                total += read;
            }

            await socket.SendAsync(Encoding.ASCII.GetBytes($"got {total} bytes"), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        await raw.SendAsync($"CONNECT 127.0.0.1:{counter.Port} HTTP/1.1\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await raw.ReadHeadAsync());
        await raw.SendAsync(new byte[3_000_000]);
        raw.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("got 3000000 bytes", Encoding.ASCII.GetString(await raw.ReadToEndAsync()));
    }

    [Fact]
    public async Task Passes_an_upstream_half_close_on_while_the_client_keeps_sending()
    {
        // The upstream says hello and shuts its sending side at once, then keeps reading.
        var received = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var greeter = TcpUpstream.Start(async socket =>
        {
            await socket.SendAsync("hello"u8.ToArray(), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            long total = 0;
            var buffer = new byte[65536];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                total += read;
            }

            received.TrySetResult(total);
        });
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        await raw.SendAsync($"CONNECT 127.0.0.1:{greeter.Port} HTTP/1.1\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await raw.ReadHeadAsync());
        Assert.Equal("hello", Encoding.ASCII.GetString(await raw.ReadToEndAsync())); // FIN arrived after hello
        await raw.SendAsync(new byte[100_000]); // the other direction still works
        raw.Socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(100_000, await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Resets_the_client_when_the_upstream_resets()
    {
        await using var resetter = TcpUpstream.Start(async socket =>
        {
            await socket.ReceiveAsync(new byte[16], SocketFlags.None);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        });
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        await raw.SendAsync($"CONNECT 127.0.0.1:{resetter.Port} HTTP/1.1\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await raw.ReadHeadAsync());
        await raw.SendAsync("x");
        var error = await Assert.ThrowsAsync<SocketException>(() => raw.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);

        // The access log says how it ended.
        var collector = _gateway.Services.GetFakeLogCollector();
        for (var i = 0; i < 100; i++)
        {
            if (collector.GetSnapshot().Any(r => r.Category == "YarpEgress.AccessLog" && r.Message.Contains($":{resetter.Port} ", StringComparison.Ordinal)))
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.Contains(collector.GetSnapshot(), r => r.Category == "YarpEgress.AccessLog"
            && r.Message.Contains($"127.0.0.1:{resetter.Port} allowed", StringComparison.Ordinal) && r.Message.Contains("end=upstream_reset", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("b.example.test", 403, "denied by Deny rule 'b.example.test'")]
    [InlineData("c.other.test", 403, "no Allow rule matches 'c.other.test:{port}'")]
    public async Task Refuses_denied_destinations_with_403_then_closes(string host, int status, string reason)
    {
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        var (head, body) = await raw.RequestAsync($"CONNECT {host}:{_echo.Port} HTTP/1.1\r\nHost: {host}:{_echo.Port}\r\n\r\n");
        Assert.StartsWith($"HTTP/1.1 {status} ", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=http_request_denied\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", head, StringComparison.Ordinal);
        Assert.Equal(reason.Replace("{port}", $"{_echo.Port}", StringComparison.Ordinal) + "\n", body);
    }

    [Theory]
    [InlineData("CONNECT a.example.test HTTP/1.1\r\n\r\n", 400, "CONNECT needs host:port: 'a.example.test' has no port")]
    [InlineData("CONNECT a.example.test:99999 HTTP/1.1\r\n\r\n", 400, "CONNECT needs host:port: 'a.example.test:99999' has an invalid port (1-65535)")]
    [InlineData("CONNECT a.example.test:443 HTTP/1.1\r\nbad header\r\n\r\n", 400, "a header line has no 'name:'")]
    [InlineData("CONNECT a.example.test:443 HTTP/9\r\n\r\n", 400, "the request line must end in HTTP/1.1 or HTTP/1.0")]
    public async Task Answers_malformed_heads_with_400_then_closes(string request, int status, string reason)
    {
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        var (head, body) = await raw.RequestAsync(request);
        Assert.StartsWith($"HTTP/1.1 {status} ", head, StringComparison.Ordinal);
        Assert.Equal(reason + "\n", body);
    }

    [Fact]
    public async Task Answers_a_huge_head_with_431_then_closes()
    {
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        var (head, body) = await raw.RequestAsync("CONNECT a.example.test:443 HTTP/1.1\r\nX-Big: " + new string('a', 100_000) + "\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431 ", head, StringComparison.Ordinal);
        Assert.Equal("the request head is larger than 16384 bytes\n", body);
    }

    [Fact]
    public async Task Garbage_gets_a_400_from_the_HTTP_server_and_the_gateway_keeps_serving()
    {
        using (var raw = await RawClient.ConnectAsync(_gateway.Proxy))
        {
            var garbage = new byte[4096];
            new Random(7).NextBytes(garbage);
            garbage[0] = 0x16; // looks like TLS, not HTTP
            await raw.SendAsync(garbage);
            var head = await raw.ReadHeadAsync();
            Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        }

        await Accepts_a_Host_header_without_port_as_Java_and_Python_send_it();
    }

    [Fact]
    public async Task Answers_502_when_the_upstream_refuses()
    {
        using var closed = new ClosedPort();
        var port = closed.Port;
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        var (head, body) = await raw.RequestAsync($"CONNECT 127.0.0.1:{port} HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502 ", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=connection_refused\r\n", head, StringComparison.Ordinal);
        Assert.Equal($"127.0.0.1:{port} refused the connection\n", body);
    }

    [Fact]
    public async Task A_CONNECT_after_a_plain_request_on_the_same_connection_is_told_to_use_a_new_connection()
    {
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        await raw.SendAsync("GET http://c.other.test/ HTTP/1.1\r\nHost: c.other.test\r\n\r\n");
        var (first, _) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 403", first, StringComparison.Ordinal);
        await raw.SendAsync($"CONNECT a.example.test:{_echo.Port} HTTP/1.1\r\nHost: a.example.test:{_echo.Port}\r\n\r\n");
        var (second, body) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 400", second, StringComparison.Ordinal);
        Assert.Contains("open a new connection", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Carries_TLS_end_to_end_with_SslStream()
    {
        using var raw = await RawClient.ConnectAsync(_gateway.Proxy);
        await raw.SendAsync($"CONNECT a.example.test:{_https.HttpsPort} HTTP/1.1\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await raw.ReadHeadAsync());
        await using var tls = new SslStream(new NetworkStream(raw.Socket), leaveInnerStreamOpen: false, TestCertificates.ValidateAgainstTestRoot);
        await tls.AuthenticateAsClientAsync("a.example.test");
        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: a.example.test\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(tls);
        var response = await reader.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("scheme=https", response, StringComparison.Ordinal);
    }
}
