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

    [Fact]
    public async Task RequireTlsSniMatch_lets_a_non_TLS_tunnel_through()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{echo.Port}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            policy: new { RequireTlsSniMatch = true }));
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"CONNECT a.example.test:{echo.Port} HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await raw.ReadHeadAsync(), StringComparison.Ordinal);
        await raw.SendAsync("SSH-2.0-test\r\n");
        Assert.Equal("SSH-2.0-test\r\n", Encoding.ASCII.GetString(await raw.ReadExactlyAsync(14)));
    }
}
