using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Telemetry;

/// <summary>One structured access-log event per finished request or connection, captured with the fake logger.</summary>
public sealed class AccessLogTests
{
    private static async Task<IReadOnlyList<FakeLogRecord>> AccessRecordsAsync(TestGateway gateway, int count)
    {
        var collector = gateway.Services.GetFakeLogCollector();
        for (var i = 0; i < 100; i++)
        {
            var records = collector.GetSnapshot().Where(r => r.Category == "YarpEgress.AccessLog").ToList();
            if (records.Count >= count)
            {
                return records;
            }

            await Task.Delay(50);
        }

        return collector.GetSnapshot().Where(r => r.Category == "YarpEgress.AccessLog").ToList();
    }

    private static string? Field(FakeLogRecord record, string name) =>
        record.StructuredState!.Single(kv => kv.Key == name).Value;

    [Fact]
    public async Task Logs_each_path_with_its_fields()
    {
        await using var echo = TcpUpstream.Echo();
        await using var http = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(
            TestGateway.Config(
                allow: [new { Host = "a.example.test", Ports = new[] { $"{echo.Port}", $"{http.HttpPort}" } }],
                deny: [new { Host = "b.example.test" }],
                hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1" }),
            services => services.AddLogging(b => b.AddFakeLogging()));

        using (var raw = await RawClient.ConnectAsync(gateway.Proxy))
        {
            await raw.SendAsync($"CONNECT a.example.test:{echo.Port} HTTP/1.1\r\n\r\n");
            await raw.ReadHeadAsync();
            await raw.SendAsync("hello");
            await raw.ReadExactlyAsync(5);
            raw.Socket.Shutdown(SocketShutdown.Send);
            await raw.ReadToEndAsync();
        }

        using (var client = gateway.CreateClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://a.example.test:{http.HttpPort}/bytes?n=100")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"http://b.example.test:{http.HttpPort}/")).StatusCode);
        }

        var records = await AccessRecordsAsync(gateway, 3);
        Assert.All(records, r => Assert.Equal(600, r.Id.Id));

        var tunnel = records.Single(r => Field(r, "Protocol") == "connect");
        Assert.Equal("proxy", Field(tunnel, "Listener"));
        Assert.Equal("a.example.test", Field(tunnel, "Host"));
        Assert.Equal($"{echo.Port}", Field(tunnel, "Port"));
        Assert.Equal("allowed", Field(tunnel, "Decision"));
        Assert.Equal("a.example.test", Field(tunnel, "Rule"));
        Assert.Equal("200", Field(tunnel, "Status"));
        Assert.Equal($"127.0.0.1:{echo.Port}", Field(tunnel, "Upstream"));
        Assert.Equal("5", Field(tunnel, "BytesFromClient"));
        Assert.Equal("5", Field(tunnel, "BytesToClient"));
        Assert.Equal("closed", Field(tunnel, "End"));
        Assert.StartsWith("127.0.0.1:", Field(tunnel, "Client"), StringComparison.Ordinal);
        Assert.NotNull(Field(tunnel, "Start"));
        Assert.True(double.Parse(Field(tunnel, "DurationMs")!, System.Globalization.CultureInfo.InvariantCulture) > 0);

        var get = records.Single(r => Field(r, "Protocol") == "http" && Field(r, "Decision") == "allowed");
        Assert.Equal("200", Field(get, "Status"));
        Assert.Equal("100", Field(get, "BytesToClient"));

        var denied = records.Single(r => Field(r, "Decision") == "denied");
        Assert.Equal("403", Field(denied, "Status"));
        Assert.Equal("b.example.test", Field(denied, "Rule"));
        Assert.Equal("denied", Field(denied, "End"));
    }
}
