using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tests.Sni;

namespace YarpEgress.Tests.Telemetry;

/// <summary>The access log's upstream, host, ALPN and time fields, through the real listeners.</summary>
public sealed class AccessLogFieldTests
{
    private static readonly Dictionary<string, string> Pins = new() { ["a.example.test"] = "127.0.0.1" };

    [Fact]
    public async Task Plain_HTTP_records_the_address_dialed_for_each_request_also_on_a_pooled_connection_and_an_ISO_start()
    {
        await using var http = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(
            TestGateway.Config(allow: [new { Host = "a.example.test", Ports = new[] { $"{http.HttpPort}" } }], hosts: Pins),
            services => services.AddLogging(b => b.AddFakeLogging()));
        var before = DateTimeOffset.UtcNow;
        using (var client = gateway.CreateClient())
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://a.example.test:{http.HttpPort}/bytes?n=10")).StatusCode);
            }
        }

        var records = await AccessLogRecords.WaitAsync(gateway, 3);
        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal($"127.0.0.1:{http.HttpPort}", r.Field("Upstream")));

        // start: ISO 8601, UTC, milliseconds; the moment the request arrived.
        var after = DateTimeOffset.UtcNow;
        Assert.All(records, r => Assert.InRange(
            DateTimeOffset.ParseExact(r.Field("Start")!, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            before.AddMilliseconds(-1), after));
    }

    [Fact]
    public async Task An_IPv6_destination_is_written_in_brackets()
    {
        // This machine may have no IPv6 at all: the dial may fail, the destination is logged all the same.
        await using var gateway = await TestGateway.StartAsync(
            TestGateway.Config(allow: [new { Cidr = "::1/128", Ports = new[] { "9" } }], privateAllow: ["127.0.0.0/8", "::1/128"]),
            services => services.AddLogging(b => b.AddFakeLogging()));
        using (var raw = await RawClient.ConnectAsync(gateway.Proxy))
        {
            await raw.SendAsync("CONNECT [::1]:9 HTTP/1.1\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 ", await raw.ReadHeadAsync(), StringComparison.Ordinal);
        }

        var record = Assert.Single(await AccessLogRecords.WaitAsync(gateway, 1));
        Assert.Equal("[::1]", record.Field("Host"));
        Assert.Equal("allowed", record.Field("Decision"));
        Assert.Contains("-> [::1]:9 ", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALPN_is_every_offer_of_the_client_in_its_order()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(
            TestGateway.Config(allow: [new { Host = "a.example.test", Ports = new[] { $"{echo.Port}" } }], hosts: Pins, policy: new { RequireTlsSniMatch = true }),
            services => services.AddLogging(b => b.AddFakeLogging()));
        using (var raw = await RawClient.ConnectAsync(gateway.Proxy))
        {
            await raw.SendAsync($"CONNECT a.example.test:{echo.Port} HTTP/1.1\r\n\r\n");
            await raw.ReadHeadAsync();
            var hello = ClientHelloSamples.ChromiumStyle("a.example.test", alpn: ["http/1.1", "h2", "acme-tls/1"]);
            await raw.SendAsync(hello);
            await raw.ReadExactlyAsync(hello.Length);
            raw.Socket.Shutdown(SocketShutdown.Send);
            await raw.ReadToEndAsync();
        }

        var record = Assert.Single(await AccessLogRecords.WaitAsync(gateway, 1));
        Assert.Equal("http/1.1,h2,acme-tls/1", record.Field("Alpn"));
    }
}
