using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// PROXY protocol from a trusted load balancer (here 127.0.0.1; untrusted senders connect from 127.0.0.2): the
/// header's source is the client for the policy, the limits, the access log and <c>/connections</c>. The addresses
/// inside the headers are data only; nothing ever dials them.
/// </summary>
public sealed class ProxyProtocolTests : IAsyncLifetime
{
    private static readonly IPAddress Untrusted = IPAddress.Parse("127.0.0.2");
    private static readonly byte[] HandshakeFailureAlert = [21, 3, 3, 0, 2, 2, 40];

    private HttpUpstream _upstream = null!;
    private TcpUpstream _echo = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HttpUpstream.StartAsync();
        _echo = TcpUpstream.Echo();
    }

    public async Task DisposeAsync()
    {
        await _echo.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private JsonNode Config(string[]? trusted = null, object? limits = null)
    {
        var proxyProtocol = new { TrustedSources = trusted ?? ["127.0.0.1"] };
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{_upstream.HttpPort}", $"{_upstream.HttpsPort}", $"{_echo.Port}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1", ["team.example.test"] = "127.0.0.1" },
            limits: limits,
            timeouts: new { Connect = "00:00:05", RequestHead = "00:00:02" },
            listeners:
            [
                new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http", ProxyProtocol = proxyProtocol },
                new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = _upstream.HttpsPort, ProxyProtocol = proxyProtocol },
            ]))!;
        config["Egress"]!["Clients"] = JsonSerializer.SerializeToNode(new object[]
        {
            new { Name = "lb-team", Sources = new[] { "10.1.2.0/24" }, Allow = new[] { new { Host = "team.example.test", Ports = new[] { $"{_upstream.HttpPort}" } } } },
        });
        return config;
    }

    private static Task<TestGateway> StartAsync(JsonNode config) => TestGateway.StartAsync(config, services => services.AddLogging(b => b.AddFakeLogging()));

    private string Get(string host = "a.example.test") => $"GET /echo HTTP/1.1\r\nHost: {host}:{_upstream.HttpPort}\r\n\r\n";

    /// <summary>Sends the header, in three writes a moment apart when <paramref name="split"/> (so in separate TCP segments), then the payload.</summary>
    private static async Task SendAsync(RawClient raw, byte[] header, string payload, bool split = false)
    {
        if (split)
        {
            var cuts = new[] { 1, header.Length / 2 };
            await raw.SendAsync(header[..cuts[0]]);
            await Task.Delay(30);
            await raw.SendAsync(header[cuts[0]..cuts[1]]);
            await Task.Delay(30);
            await raw.SendAsync([.. header[cuts[1]..], .. Encoding.ASCII.GetBytes(payload)]);
            return;
        }

        await raw.SendAsync([.. header, .. Encoding.ASCII.GetBytes(payload)]);
    }

    public static TheoryData<string, bool> Headers => new()
    {
        { "v1 TCP4", false }, { "v1 TCP6", false }, { "v2 TCP4", false }, { "v2 TCP6", false },
        { "v1 TCP4", true }, { "v1 TCP6", true }, { "v2 TCP4", true }, { "v2 TCP6", true },
    };

    private static (byte[] Header, string Client) Header(string kind)
    {
        var (source, destination) = kind.EndsWith("TCP6", StringComparison.Ordinal)
            ? (IPEndPoint.Parse("[2001:db8::7]:6000"), IPEndPoint.Parse("[2001:db8::1]:3128"))
            : (IPEndPoint.Parse("10.1.2.3:5555"), IPEndPoint.Parse("192.0.2.1:3128"));
        var bytes = kind.StartsWith("v1", StringComparison.Ordinal) ? ProxyHeaderBytes.V1(source, destination) : ProxyHeaderBytes.V2(source, destination, (0xEA, "vpce-1"u8.ToArray()));
        return (bytes, source.ToString());
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public async Task The_header_source_is_the_client_on_an_HTTP_listener(string kind, bool split)
    {
        await using var gateway = await StartAsync(Config());
        var (header, client) = Header(kind);
        using (var raw = await RawClient.ConnectAsync(gateway.Proxy))
        {
            await SendAsync(raw, header, Get(), split);
            var (head, body) = await raw.ReadResponseAsync();
            Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
            Assert.DoesNotContain("PROXY", body, StringComparison.Ordinal); // the header is consumed, never forwarded
        }

        var record = Assert.Single(await AccessLogRecords.WaitAsync(gateway, 1));
        Assert.Equal(client, record.Field("Client"));
    }

    [Fact]
    public async Task The_header_source_picks_the_Egress_Clients_policy()
    {
        await using var gateway = await StartAsync(Config());
        foreach (var (source, status) in new[] { ("10.1.2.3", "200"), ("10.9.9.9", "403") })
        {
            using var raw = await RawClient.ConnectAsync(gateway.Proxy);
            await SendAsync(raw, ProxyHeaderBytes.V2(IPEndPoint.Parse($"{source}:1000"), IPEndPoint.Parse("192.0.2.1:3128")), Get("team.example.test"));
            var (head, _) = await raw.ReadResponseAsync();
            Assert.StartsWith($"HTTP/1.1 {status}", head, StringComparison.Ordinal);
        }

        var records = await AccessLogRecords.WaitAsync(gateway, 2);
        Assert.Equal(["10.1.2.3:1000 lb-team allowed", "10.9.9.9:1000 - denied"], records.Select(r => $"{r.Field("Client")} {r.Field("ClientName")} {r.Field("Decision")}").Order());
    }

    [Fact]
    public async Task A_CONNECT_tunnel_after_the_header_gets_every_pipelined_byte_and_lists_the_header_client()
    {
        await using var gateway = await StartAsync(Config());
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await SendAsync(raw, ProxyHeaderBytes.V1(IPEndPoint.Parse("10.1.2.3:4444"), IPEndPoint.Parse("192.0.2.1:3128")), $"CONNECT a.example.test:{_echo.Port} HTTP/1.1\r\n\r\nearly");
        Assert.StartsWith("HTTP/1.1 200", await raw.ReadHeadAsync(), StringComparison.Ordinal);
        Assert.Equal("early", Encoding.ASCII.GetString(await raw.ReadExactlyAsync(5)));

        using var admin = DirectHttp.Create();
        var connections = JsonNode.Parse(await admin.GetStringAsync($"http://{gateway.Admin}/connections"))!.AsArray();
        Assert.Contains(connections, c => c!["client"]!.GetValue<string>() == "10.1.2.3:4444" && c["protocol"]!.GetValue<string>() == "connect");
    }

    [Fact]
    public async Task Per_client_limits_count_the_header_source()
    {
        await using var gateway = await StartAsync(Config(limits: new { MaxConnectionsPerClient = 1 }));
        using var first = await RawClient.ConnectAsync(gateway.Proxy);
        await SendAsync(first, ProxyHeaderBytes.V2(IPEndPoint.Parse("10.1.2.3:1"), IPEndPoint.Parse("192.0.2.1:3128")), $"CONNECT a.example.test:{_echo.Port} HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await first.ReadHeadAsync(), StringComparison.Ordinal);

        using var same = await RawClient.ConnectAsync(gateway.Proxy);
        await SendAsync(same, ProxyHeaderBytes.V2(IPEndPoint.Parse("10.1.2.3:2"), IPEndPoint.Parse("192.0.2.1:3128")), Get());
        var (head, body) = await same.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 503", head, StringComparison.Ordinal);
        Assert.Equal("too many connections: the limit is 1 from 10.1.2.3\n", body);

        // Another client behind the same balancer has its own count.
        using var other = await RawClient.ConnectAsync(gateway.Proxy);
        await SendAsync(other, ProxyHeaderBytes.V2(IPEndPoint.Parse("10.1.2.4:1"), IPEndPoint.Parse("192.0.2.1:3128")), Get());
        Assert.StartsWith("HTTP/1.1 200", (await other.ReadResponseAsync()).Head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LOCAL_and_UNKNOWN_leave_the_peer_as_the_client()
    {
        await using var gateway = await StartAsync(Config());
        foreach (var header in new[] { ProxyHeaderBytes.V2Local(), "PROXY UNKNOWN\r\n"u8.ToArray() })
        {
            using var raw = await RawClient.ConnectAsync(gateway.Proxy);
            await SendAsync(raw, header, Get());
            Assert.StartsWith("HTTP/1.1 200", (await raw.ReadResponseAsync()).Head, StringComparison.Ordinal);
        }

        Assert.All(await AccessLogRecords.WaitAsync(gateway, 2), r => Assert.StartsWith("127.0.0.1:", r.Field("Client"), StringComparison.Ordinal));
    }

    public static TheoryData<string, byte[], string> BadFromTrusted => new()
    {
        { "no header", "GET /echo HTTP/1.1\r\nHost: a.example.test\r\n\r\n"u8.ToArray(), "127.0.0.1 is a trusted load balancer (ProxyProtocol:TrustedSources) but sent no PROXY protocol header" },
        { "garbage", "PROXY TCP4 10.1.2 192.0.2.1 1 2\r\nGET / HTTP/1.1\r\n\r\n"u8.ToArray(), "invalid PROXY protocol header: a v1 TCP4 PROXY line must be" },
        { "oversized v1", [.. "PROXY UNKNOWN "u8, .. Enumerable.Repeat((byte)'x', 200), .. "\r\n"u8], "invalid PROXY protocol header: a v1 PROXY line has no end within 107 bytes" },
        { "oversized v2", ProxyHeaderBytes.V2Raw(0x21, 0x11, new byte[4000]), "invalid PROXY protocol header: a v2 PROXY header of 4016 bytes is over the 2064-byte cap" },
    };

    [Theory]
    [MemberData(nameof(BadFromTrusted))]
    public async Task A_trusted_peer_without_a_valid_header_gets_400(string name, byte[] bytes, string reason)
    {
        await using var gateway = await StartAsync(Config());
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync(bytes);
        var (head, body) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
        Assert.Contains("Proxy-Status: yarp-egress; error=http_request_error", head, StringComparison.Ordinal);
        Assert.StartsWith(reason, body, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.Connections);
        var record = Assert.Single(await AccessLogRecords.WaitAsync(gateway, 1));
        Assert.Equal(("bad_proxy_header", "400"), (record.Field("End"), record.Field("Status")));
        Assert.NotNull(name);
    }

    [Fact]
    public async Task A_trusted_peer_that_sends_nothing_is_cut_off_at_the_head_timeout()
    {
        await using var gateway = await StartAsync(Config());
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync("PROXY TCP4 10.1"); // and no more
        var (head, body) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 408", head, StringComparison.Ordinal);
        Assert.Equal("no complete PROXY protocol header within 2 s\n", body);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task A_header_from_an_untrusted_peer_is_a_bad_request(string version)
    {
        await using var gateway = await StartAsync(Config());
        var source = IPEndPoint.Parse("10.1.2.3:5555");
        var header = version == "v1" ? ProxyHeaderBytes.V1(source, IPEndPoint.Parse("192.0.2.1:3128")) : ProxyHeaderBytes.V2(source, IPEndPoint.Parse("192.0.2.1:3128"));
        using (var raw = await RawClient.ConnectAsync(gateway.Proxy, from: Untrusted))
        {
            await SendAsync(raw, header, Get());
            var (head, body) = await raw.ReadResponseAsync();
            Assert.StartsWith("HTTP/1.1 400", head, StringComparison.Ordinal);
            Assert.Equal("a PROXY protocol header from 127.0.0.2, which is not in this listener's ProxyProtocol:TrustedSources\n", body);
        }

        // The same peer without a header is an ordinary client.
        using (var raw = await RawClient.ConnectAsync(gateway.Proxy, from: Untrusted))
        {
            await raw.SendAsync(Get());
            Assert.StartsWith("HTTP/1.1 200", (await raw.ReadResponseAsync()).Head, StringComparison.Ordinal);
        }

        var records = await AccessLogRecords.WaitAsync(gateway, 2);
        Assert.All(records, r => Assert.StartsWith("127.0.0.2:", r.Field("Client"), StringComparison.Ordinal));
        Assert.Equal(["bad_proxy_header", "closed"], records.Select(r => r.Field("End")).Order());
    }

    [Fact]
    public async Task TrustedSources_reload_live()
    {
        await using var gateway = await StartAsync(Config(trusted: []));
        async Task<string> SendHeaderAsync()
        {
            using var raw = await RawClient.ConnectAsync(gateway.Proxy);
            await SendAsync(raw, ProxyHeaderBytes.V1(IPEndPoint.Parse("10.1.2.3:5555"), IPEndPoint.Parse("192.0.2.1:3128")), Get());
            return (await raw.ReadResponseAsync()).Head;
        }

        Assert.StartsWith("HTTP/1.1 400", await SendHeaderAsync(), StringComparison.Ordinal);
        Assert.True(await gateway.ReloadAsync(Config(trusted: ["127.0.0.0/8"])));
        Assert.StartsWith("HTTP/1.1 200", await SendHeaderAsync(), StringComparison.Ordinal);
        Assert.True(await gateway.ReloadAsync(Config(trusted: ["::1"])));
        Assert.StartsWith("HTTP/1.1 400", await SendHeaderAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_an_SNI_listener_the_header_precedes_the_ClientHello()
    {
        await using var gateway = await StartAsync(Config());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(gateway.EndPoint("tls"));
        var header = ProxyHeaderBytes.V2(IPEndPoint.Parse("[2001:db8::7]:6000"), IPEndPoint.Parse("[2001:db8::1]:443"));
        await using (var tls = new SslStream(new PrefixedStream(new NetworkStream(socket, ownsSocket: true), header), false, TestCertificates.ValidateAgainstTestRoot))
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "a.example.test" }, timeout.Token);
            await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: a.example.test\r\nConnection: close\r\n\r\n"), timeout.Token);
            using var reader = new StreamReader(tls);
            Assert.StartsWith("HTTP/1.1 200", await reader.ReadToEndAsync(timeout.Token), StringComparison.Ordinal);
        }

        var record = Assert.Single(await AccessLogRecords.WaitAsync(gateway, 1));
        Assert.Equal(("sni", "[2001:db8::7]:6000"), (record.Field("Protocol"), record.Field("Client")));
    }

    [Fact]
    public async Task On_an_SNI_listener_a_missing_header_or_one_from_an_untrusted_peer_gets_an_alert()
    {
        await using var gateway = await StartAsync(Config());
        using (var socket = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(gateway.EndPoint("tls"));
            await using var tls = new SslStream(new NetworkStream(socket), false, TestCertificates.ValidateAgainstTestRoot);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var refused = await Record.ExceptionAsync(() => tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "a.example.test" }, timeout.Token));
            Assert.True(refused is AuthenticationException or IOException, refused?.ToString());
        }

        using (var raw = await RawClient.ConnectAsync(gateway.EndPoint("tls"), from: Untrusted))
        {
            await raw.SendAsync(ProxyHeaderBytes.V1(IPEndPoint.Parse("10.1.2.3:5555"), IPEndPoint.Parse("192.0.2.1:443")));
            Assert.Equal(HandshakeFailureAlert, await raw.ReadToEndAsync());
        }

        var records = await AccessLogRecords.WaitAsync(gateway, 2);
        Assert.Equal(["127.0.0.1 bad_proxy_header", "127.0.0.2 bad_client_hello"], records.Select(r => $"{IPEndPoint.Parse(r.Field("Client")!).Address} {r.Field("End")}").Order());
    }

    /// <summary>Sends a prefix in the same write as the first bytes written (a balancer's header and the ClientHello in one segment).</summary>
    private sealed class PrefixedStream(Stream inner, byte[] prefix) : Stream
    {
        private byte[]? _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _prefix, null) is { } first)
            {
                return inner.WriteAsync((byte[])[.. first, .. buffer.Span], cancellationToken);
            }

            return inner.WriteAsync(buffer, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
