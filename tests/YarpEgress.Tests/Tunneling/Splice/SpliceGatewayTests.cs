using System.Text;
using Microsoft.Extensions.DependencyInjection;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tests.Sni;
using YarpEgress.Tunneling.Splice;

namespace YarpEgress.Tests.Tunneling.Splice;

/// <summary>Which tunnels the real gateway splices: CONNECT and SNI passthrough with <c>Egress:Tunnels:Splice</c> on (the default), none with it off.</summary>
public sealed class SpliceGatewayTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CONNECT_and_SNI_passthrough_tunnels_are_spliced_unless_the_option_is_off(bool splice)
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{echo.Port}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            listeners:
            [
                new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http", UpstreamPort = (int?)null },
                new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)echo.Port },
            ],
            splice: splice));
        var relay = gateway.Services.GetRequiredService<SpliceRelay>();

        using (var tunnel = await RawClient.OpenTunnelAsync(gateway.Proxy, $"a.example.test:{echo.Port}"))
        {
            await tunnel.SendAsync("ping");
            Assert.Equal("ping", Encoding.ASCII.GetString(await tunnel.ReadExactlyAsync(4)));
        }

        Assert.Equal(splice ? 1 : 0, relay.Taken);
        var hello = ClientHelloSamples.ChromiumStyle("a.example.test");
        using (var raw = await RawClient.ConnectAsync(gateway.EndPoint("tls")))
        {
            await raw.SendAsync(hello);
            Assert.Equal(hello, await raw.ReadExactlyAsync(hello.Length)); // the echo sends the hello back, untouched
        }

        Assert.Equal(splice ? 2 : 0, relay.Taken);
    }
}
