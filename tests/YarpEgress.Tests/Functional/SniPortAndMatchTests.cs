using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>The listener's own port as the default upstream port, and the SNI check inside CONNECT tunnels.</summary>
public sealed class SniPortAndMatchTests
{
    [Fact]
    public async Task Without_a_port_in_the_name_or_UpstreamPort_the_listener_port_is_used()
    {
        // The upstream listens on 127.0.0.2:P, the gateway on 127.0.0.1:P; the name is pinned to 127.0.0.2.
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        upstream.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        upstream.Listen();
        var port = ((IPEndPoint)upstream.LocalEndPoint!).Port;
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{port}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.2" },
            listeners: [new { Name = "tls", Address = "127.0.0.1", Port = port, Protocol = "Sni" }]));

        using var client = await RawClient.ConnectAsync(gateway.EndPoint("tls"));
        var hello = Sni.ClientHelloSamples.ChromiumStyle("a.example.test");
        await client.SendAsync(hello);
        using var accepted = await upstream.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var received = new byte[hello.Length];
        var have = 0;
        while (have < received.Length)
        {
            have += await accepted.ReceiveAsync(received.AsMemory(have), SocketFlags.None);
        }

        Assert.Equal(hello, received); // the ClientHello arrives byte for byte
    }

    [Fact]
    public async Task RequireTlsSniMatch_stops_domain_fronting_inside_CONNECT()
    {
        await using var https = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "*.example.test", Ports = new[] { $"{https.HttpsPort}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            policy: new { RequireTlsSniMatch = true }));

        async Task<SslStream> TunnelAsync(string sni)
        {
            var raw = await RawClient.ConnectAsync(gateway.Proxy);
            await raw.SendAsync($"CONNECT a.example.test:{https.HttpsPort} HTTP/1.1\r\n\r\n");
            Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await raw.ReadHeadAsync());
            var tls = new SslStream(new NetworkStream(raw.Socket, ownsSocket: true));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = sni,
                RemoteCertificateValidationCallback = (_, _, _, _) => true, // the name check is the gateway's here
            });
            return tls;
        }

        var fronted = await Assert.ThrowsAsync<AuthenticationException>(() => TunnelAsync("b.example.test"));
        Assert.Contains("unrecognized name", fronted.ToString(), StringComparison.OrdinalIgnoreCase);

        await using var honest = await TunnelAsync("a.example.test");
        await honest.WriteAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: a.example.test\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(honest);
        Assert.StartsWith("HTTP/1.1 200", await reader.ReadToEndAsync(), StringComparison.Ordinal);
    }

    /// <summary>A gateway with RequireTlsSniMatch for a.example.test on two echo ports, of which only the first is exempt.</summary>
    private static Task<TestGateway> MatchingGatewayAsync(int exemptPort, int otherPort, string clientHelloTimeout = "00:00:05") =>
        TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{exemptPort}", $"{otherPort}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            timeouts: new { Connect = "00:00:05", ClientHello = clientHelloTimeout },
            policy: new { RequireTlsSniMatch = true, SniMatchExemptPorts = new[] { $"{exemptPort}" } }));

    private static async Task<RawClient> TunnelAsync(TestGateway gateway, int port)
    {
        var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"CONNECT a.example.test:{port} HTTP/1.1\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await raw.ReadHeadAsync());
        return raw;
    }

    /// <summary>An upstream that records every byte it receives; <c>Received</c> completes at the client's end.</summary>
    private static (TcpUpstream Server, TaskCompletionSource<byte[]> Received) RecordingUpstream()
    {
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = TcpUpstream.Start(async socket => received.TrySetResult(await TcpUpstream.ReadToEndAsync(socket)));
        return (server, received);
    }

    [Fact]
    public async Task RequireTlsSniMatch_relays_non_TLS_only_on_an_exempt_port()
    {
        await using var exempt = TcpUpstream.Echo();
        var (other, received) = RecordingUpstream();
        await using var _ = other;
        await using var gateway = await MatchingGatewayAsync(exempt.Port, other.Port);

        using (var ssh = await TunnelAsync(gateway, exempt.Port))
        {
            await ssh.SendAsync("SSH-2.0-test\r\n");
            Assert.Equal("SSH-2.0-test\r\n", Encoding.ASCII.GetString(await ssh.ReadExactlyAsync(14)));
        }

        using (var ssh = await TunnelAsync(gateway, other.Port))
        {
            await ssh.SendAsync("SSH-2.0-test\r\n");
            Assert.Empty(await ssh.ReadToEndAsync()); // closed, no alert: it was not TLS
        }

        Assert.Empty(await received.Task.WaitAsync(TimeSpan.FromSeconds(10))); // the upstream got nothing
    }

    [Fact]
    public async Task RequireTlsSniMatch_refuses_a_ClientHello_without_a_server_name_or_with_a_bad_one()
    {
        await using var exempt = TcpUpstream.Echo();
        var (upstream, received) = RecordingUpstream();
        await using var _ = upstream;
        await using var gateway = await MatchingGatewayAsync(exempt.Port, upstream.Port);

        using (var raw = await TunnelAsync(gateway, upstream.Port))
        {
            await raw.SendAsync(Sni.ClientHelloSamples.ChromiumStyle(serverName: null));
            Assert.Equal(new byte[] { 21, 3, 3, 0, 2, 2, 112 }, await raw.ReadToEndAsync()); // fatal unrecognized_name
        }

        Assert.Empty(await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // A server_name list with a non-host_name entry beside the right name is malformed: decode_error.
        var list = Sni.ClientHelloSamples.Vector16([0, .. Sni.ClientHelloSamples.Vector16("a.example.test"u8.ToArray()), 1, .. Sni.ClientHelloSamples.Vector16("evil.test"u8.ToArray())]);
        using (var raw = await TunnelAsync(gateway, upstream.Port))
        {
            await raw.SendAsync(Sni.ClientHelloSamples.ChromiumStyle(serverName: null, extraExtensions: [Sni.ClientHelloSamples.Extension(0, list)]));
            Assert.Equal(new byte[] { 21, 3, 3, 0, 2, 2, 50 }, await raw.ReadToEndAsync());
        }
    }

    [Fact]
    public async Task RequireTlsSniMatch_closes_a_tunnel_whose_ClientHello_comes_after_the_timeout()
    {
        await using var exempt = TcpUpstream.Echo();
        var (upstream, received) = RecordingUpstream();
        await using var _ = upstream;
        await using var gateway = await MatchingGatewayAsync(exempt.Port, upstream.Port, clientHelloTimeout: "00:00:00.2");

        using var raw = await TunnelAsync(gateway, upstream.Port);
        Assert.Empty(await raw.ReadToEndAsync()); // the gateway closes the silent tunnel at the timeout
        try
        {
            await raw.SendAsync(Sni.ClientHelloSamples.ChromiumStyle("evil.test")); // the late, fronted hello
        }
        catch (SocketException)
        {
            // the connection is gone, as it should be
        }

        Assert.Empty(await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task RequireTlsSniMatch_passes_a_hello_split_over_delayed_segments_intact()
    {
        await using var exempt = TcpUpstream.Echo();
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await MatchingGatewayAsync(exempt.Port, echo.Port);
        var hello = Sni.ClientHelloSamples.ChromiumStyle("a.example.test", recordSizes: [200, 900]);

        using var raw = await TunnelAsync(gateway, echo.Port);
        foreach (var (from, to) in new[] { (0, 3), (3, 150), (150, 1000), (1000, hello.Length) })
        {
            await raw.SendAsync(hello[from..to]);
            await Task.Delay(100); // each piece arrives on its own, long before the 5 s timeout
        }

        await raw.SendAsync("after the hello"u8.ToArray());
        var echoed = await raw.ReadExactlyAsync(hello.Length + 15);
        Assert.Equal(hello, echoed[..hello.Length]); // byte for byte
        Assert.Equal("after the hello", Encoding.ASCII.GetString(echoed, hello.Length, 15));
    }
}
