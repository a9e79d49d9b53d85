using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Upstream;

namespace YarpEgress.Tests.Functional;

/// <summary>Plain-HTTP forwarding of absolute-form requests, driven by HttpClient with a WebProxy and by raw sockets.</summary>
public sealed class ForwardProxyTests : IAsyncLifetime
{
    private HttpUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await HttpUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private static readonly Dictionary<string, string> Pins = new() { ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1" };

    private Task<TestGateway> StartGatewayAsync(Action<IServiceCollection>? services = null, object? timeouts = null) => TestGateway.StartAsync(
        TestGateway.Config(
            allow: [new { Host = "*.example.test", Ports = new[] { $"{_upstream.HttpPort}" } }, new { Cidr = "127.0.0.0/8", Ports = new[] { "1-65535" } }],
            deny: [new { Host = "b.example.test" }],
            hosts: Pins,
            timeouts: timeouts),
        services);

    [Fact]
    public async Task Forwards_a_GET_in_origin_form_with_the_right_Host()
    {
        await using var gateway = await StartGatewayAsync();
        using var client = gateway.CreateClient();
        var response = await client.GetAsync($"http://A.Example.Test:{_upstream.HttpPort}/echo?x=1&y=%20");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("method=GET\n", body, StringComparison.Ordinal);
        Assert.Contains("target=/echo?x=1&y=%20\n", body, StringComparison.Ordinal);
        Assert.Contains($"host: a.example.test:{_upstream.HttpPort}\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drops_proxy_and_hop_by_hop_headers_and_those_named_in_Connection()
    {
        await using var gateway = await StartGatewayAsync();
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync(
            $"GET http://a.example.test:{_upstream.HttpPort}/echo HTTP/1.1\r\nHost: a.example.test:{_upstream.HttpPort}\r\n" +
            "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic c2VjcmV0\r\nConnection: X-Hop\r\nX-Hop: secret\r\n" +
            "Keep-Alive: timeout=5\r\nTE: trailers\r\nX-Kept: yes\r\n\r\n");
        var (head, body) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("x-kept: yes\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("proxy-connection", body, StringComparison.Ordinal);
        Assert.DoesNotContain("proxy-authorization", body, StringComparison.Ordinal);
        Assert.DoesNotContain("x-hop", body, StringComparison.Ordinal);
        Assert.DoesNotContain("keep-alive", body, StringComparison.Ordinal);
        Assert.DoesNotContain("te:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("x-forwarded", body, StringComparison.Ordinal); // no client address leaks to the internet
    }

    [Fact]
    public async Task Drops_response_headers_the_upstream_named_in_Connection()
    {
        await using var gateway = await StartGatewayAsync();
        using var client = gateway.CreateClient();
        var response = await client.GetAsync($"http://a.example.test:{_upstream.HttpPort}/hop-response");
        Assert.Equal("hop", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.Contains("X-Kept"));
        Assert.False(response.Headers.Contains("X-Hop"));
    }

    [Fact]
    public async Task Streams_large_chunked_bodies_both_ways()
    {
        await using var gateway = await StartGatewayAsync();
        using var client = gateway.CreateClient();
        var payload = RandomNumberGenerator.GetBytes(8 * 1024 * 1024 + 13);
        using var content = new StreamContent(new MemoryStream(payload)); // no length: sent chunked
        var upload = await client.PostAsync($"http://a.example.test:{_upstream.HttpPort}/digest", content);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal($"{payload.Length} {Convert.ToHexString(SHA256.HashData(payload))}", await upload.Content.ReadAsStringAsync());

        var download = await client.GetAsync($"http://a.example.test:{_upstream.HttpPort}/random?n={payload.Length}&seed=7");
        Assert.True(download.Headers.TransferEncodingChunked);
        var expected = new byte[payload.Length];
        var random = new Random(7);
        var chunk = new byte[16384];
        for (var i = 0; i < expected.Length; i += chunk.Length)
        {
            random.NextBytes(chunk);
            chunk.AsSpan(0, Math.Min(chunk.Length, expected.Length - i)).CopyTo(expected.AsSpan(i));
        }

        Assert.Equal(SHA256.HashData(expected), SHA256.HashData(await download.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task Handles_Expect_100_continue()
    {
        await using var gateway = await StartGatewayAsync();
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync(
            $"POST http://a.example.test:{_upstream.HttpPort}/stream HTTP/1.1\r\nHost: a.example.test:{_upstream.HttpPort}\r\n" +
            "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        var interim = await raw.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 100 Continue", interim, StringComparison.Ordinal);
        await raw.SendAsync("hello");
        var head = await raw.ReadHeadAsync();
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Equal("hello", Encoding.ASCII.GetString(await raw.ReadExactlyAsync(5)));
    }

    [Fact]
    public async Task Keeps_connections_alive_on_both_sides()
    {
        await using var gateway = await StartGatewayAsync();
        var accepted = 0;
        using var handler = gateway.CreateHandler();
        handler.ConnectCallback = async (context, token) =>
        {
            Interlocked.Increment(ref accepted);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(context.DnsEndPoint, token);
            return new NetworkStream(socket, ownsSocket: true);
        };
        using var client = new HttpClient(handler);
        var before = _upstream.Connections;
        for (var i = 0; i < 10; i++)
        {
            var response = await client.GetAsync($"http://a.example.test:{_upstream.HttpPort}/echo?i={i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
        }

        Assert.Equal(1, accepted); // one client connection to the gateway
        Assert.Equal(1, _upstream.Connections - before); // one pooled upstream connection
    }

    [Fact]
    public async Task Denies_with_403_naming_the_rule()
    {
        await using var gateway = await StartGatewayAsync();
        using var client = gateway.CreateClient();
        var denied = await client.GetAsync($"http://b.example.test:{_upstream.HttpPort}/echo");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("denied by Deny rule 'b.example.test'\n", await denied.Content.ReadAsStringAsync());
        Assert.Equal("yarp-egress; error=http_request_denied", denied.Headers.GetValues("Proxy-Status").Single());

        var unlisted = await client.GetAsync("http://other.test/");
        Assert.Equal(HttpStatusCode.Forbidden, unlisted.StatusCode);
        Assert.Equal("no Allow rule matches 'other.test:80'\n", await unlisted.Content.ReadAsStringAsync());

        var wrongPort = await client.GetAsync("http://a.example.test:1/");
        Assert.Equal("no Allow rule matches 'a.example.test:1'\n", await wrongPort.Content.ReadAsStringAsync());
        Assert.Equal(0, _upstream.Connections);
    }

    [Theory]
    [InlineData("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", "this is an egress proxy")]
    [InlineData("GET https://a.example.test/ HTTP/1.1\r\nHost: a.example.test\r\n\r\n", "CONNECT tunnel")]
    [InlineData("GET http://user:pw@a.example.test/ HTTP/1.1\r\nHost: a.example.test\r\n\r\n", "user information")]
    [InlineData("GET http://127.1/ HTTP/1.1\r\nHost: 127.1\r\n\r\n", "not a valid IPv4 address")]
    public async Task Answers_400_to_requests_that_are_not_proxy_requests(string request, string reason)
    {
        await using var gateway = await StartGatewayAsync();
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync(request);
        var (head, body) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        Assert.Contains(reason, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_502_when_the_upstream_refuses()
    {
        await using var gateway = await StartGatewayAsync();
        using var client = gateway.CreateClient();
        using var closed = new ClosedPort();
        var port = closed.Port;
        var response = await client.GetAsync($"http://127.0.0.1:{port}/");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal($"127.0.0.1:{port} refused the connection\n", await response.Content.ReadAsStringAsync());
        Assert.Equal("yarp-egress; error=connection_refused", response.Headers.GetValues("Proxy-Status").Single());
    }

    [Fact]
    public async Task Answers_502_saying_DNS_failed()
    {
        await using var gateway = await StartGatewayAsync(services => services.AddSingleton<IHostResolver>(new FailingResolver()));
        using var client = gateway.CreateClient();
        var response = await client.GetAsync($"http://unknown.example.test:{_upstream.HttpPort}/");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("DNS lookup for 'unknown.example.test' failed: HostNotFound\n", await response.Content.ReadAsStringAsync());
        Assert.Equal("yarp-egress; error=dns_error", response.Headers.GetValues("Proxy-Status").Single());
    }

    [Fact]
    public async Task Answers_504_when_the_connect_times_out()
    {
        var (blackhole, fillers) = await TcpUpstream.BlackholeAsync();
        await using var _ = blackhole;
        try
        {
            // On the gateway's clock, which the test moves: the one address gets ConnectAttempt (3 s), within Connect.
            var time = new FakeTimeProvider();
            await using var gateway = await StartGatewayAsync(services => services.AddSingleton<TimeProvider>(time), timeouts: new { Connect = "00:00:10", ConnectAttempt = "00:00:03" });
            using var client = gateway.CreateClient();
            var pending = client.GetAsync($"http://127.0.0.1:{blackhole.Port}/");
            Assert.True(await Eventually.TrueAsync(() =>
            {
                time.Advance(TimeSpan.FromMilliseconds(500));
                return pending.IsCompleted;
            }, TimeSpan.FromSeconds(20)));
            Assert.True(time.GetUtcNow() - time.Start >= TimeSpan.FromSeconds(3)); // not before the attempt's time was up
            var response = await pending;
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Equal($"connecting to 127.0.0.1:{blackhole.Port} timed out after 3 s per address\n", await response.Content.ReadAsStringAsync());

            // The gateway still serves.
            var ok = await client.GetAsync($"http://a.example.test:{_upstream.HttpPort}/echo");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    internal sealed class FailingResolver : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
    }
}
