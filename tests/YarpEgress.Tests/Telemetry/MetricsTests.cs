using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Telemetry;

/// <summary>Traffic through each path, then a real scrape of /metrics, asserting exact deltas and labels.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests
{
    private static readonly Dictionary<string, string> Pins = new()
    {
        ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1", ["c.example.test"] = "127.0.0.1", ["d.example.test"] = "127.0.0.1",
    };

    /// <summary>An upstream that reads exactly <paramref name="expectUp"/> bytes, answers with <paramref name="down"/> bytes and closes.</summary>
    private static TcpUpstream Exchange(int expectUp, int down) => TcpUpstream.Start(async socket =>
    {
        var buffer = new byte[65536];
        var have = 0;
        while (have < expectUp)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (read == 0)
            {
                break;
            }

            have += read;
        }

        await socket.SendAsync(new byte[down], SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
        while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
        {
        }
    });

    private static async Task TunnelAsync(TestGateway gateway, string host, int port, int up, int down)
    {
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"CONNECT {host}:{port} HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await raw.ReadHeadAsync(), StringComparison.Ordinal);
        await raw.SendAsync(new byte[up]);
        Assert.Equal(down, (await raw.ReadToEndAsync()).Length);
        raw.Socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<MetricsScrape> ScrapeWhenAsync(TestGateway gateway, Func<MetricsScrape, bool> condition)
    {
        for (var i = 0; ; i++)
        {
            var scrape = await MetricsScrape.FromAsync(gateway.Admin);
            if (condition(scrape) || i == 50)
            {
                return scrape;
            }

            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task One_CONNECT_adds_one_opened_one_closed_and_its_bytes_for_that_host()
    {
        await using var upstream = Exchange(expectUp: 12345, down: 54321);
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "*.example.test", Ports = new[] { $"{upstream.Port}" } }], hosts: Pins));
        await TunnelAsync(gateway, "a.example.test", upstream.Port, up: 12345, down: 54321);

        (string, string)[] labels = [("listener", "proxy"), ("protocol", "connect"), ("destination_host", "a.example.test"), ("destination_port", $"{upstream.Port}")];
        var scrape = await ScrapeWhenAsync(gateway, s => s.Value("egress_connections_closed_total", labels) == 1);
        Assert.Equal(1, scrape.Value("egress_connections_opened_total", labels));
        Assert.Equal(1, scrape.Value("egress_connections_closed_total", [.. labels, ("end", "closed")]));
        Assert.Equal(0, scrape.Value("egress_connections_active", labels));
        Assert.Equal(12345, scrape.Value("egress_client_received_bytes_total", labels));
        Assert.Equal(54321, scrape.Value("egress_client_sent_bytes_total", labels));
        Assert.Equal(1, scrape.Value("egress_connection_duration_seconds_count", labels));
        Assert.Equal(1, scrape.Value("egress_policy_decisions_total", ("protocol", "connect"), ("decision", "allowed"), ("rule", "*.example.test")));
    }

    [Fact]
    public async Task Bytes_of_a_live_tunnel_are_in_the_very_next_scrape_and_in_connections_after_a_burst_that_goes_quiet()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{echo.Port}" } }], hosts: Pins));
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync($"CONNECT a.example.test:{echo.Port} HTTP/1.1\r\n\r\n");
        await raw.ReadHeadAsync();
        const int Burst = 1_000_000; // under a MiB and well within a second: what batching would have held back
        var reading = raw.ReadExactlyAsync(Burst);
        await raw.SendAsync(new byte[Burst]);
        await reading;

        // One probe byte echoed back: each direction's copier counted the burst before it moved the probe, so once the
        // probe is back the burst is counted both ways; only the probe's own count may still be under way.
        await raw.SendAsync([1]);
        await raw.ReadExactlyAsync(1);

        (string, string)[] labels = [("protocol", "connect"), ("destination_host", "a.example.test")];
        var scrape = await MetricsScrape.FromAsync(gateway.Admin);
        Assert.InRange(scrape.Value("egress_client_received_bytes_total", labels), Burst, Burst + 1);
        Assert.InRange(scrape.Value("egress_client_sent_bytes_total", labels), Burst, Burst + 1);
        Assert.Equal(1, scrape.Value("egress_connections_active", labels));
        Assert.Equal(0, scrape.Value("egress_connections_closed_total", labels));

        using var http = DirectHttp.Create();
        var tunnel = Assert.Single(JsonDocument.Parse(await http.GetStringAsync($"http://{gateway.Admin}/connections")).RootElement.EnumerateArray());
        Assert.Equal("connect", tunnel.GetProperty("protocol").GetString());
        Assert.Equal($"a.example.test:{echo.Port}", tunnel.GetProperty("destination").GetString());
        Assert.InRange(tunnel.GetProperty("bytesFromClient").GetInt64(), Burst, Burst + 1);
        Assert.InRange(tunnel.GetProperty("bytesToClient").GetInt64(), Burst, Burst + 1);

        raw.Socket.Shutdown(SocketShutdown.Send);
        Assert.Empty(await raw.ReadToEndAsync());
        var closed = await ScrapeWhenAsync(gateway, s => s.Value("egress_connections_closed_total", labels) == 1);
        Assert.Equal(Burst + 1, closed.Value("egress_client_received_bytes_total", labels));
        Assert.Equal(Burst + 1, closed.Value("egress_client_sent_bytes_total", labels));
        Assert.Equal(0, closed.Value("egress_connections_active", labels));
    }

    [Fact]
    public async Task Destinations_beyond_the_cap_are_labelled_other()
    {
        await using var echo = TcpUpstream.Echo();
        var config = TestGateway.Config(allow: [new { Host = "*.example.test", Ports = new[] { $"{echo.Port}" } }], hosts: Pins);
        var json = JsonSerializer.SerializeToNode(config)!;
        json["Egress"]!["Telemetry"] = JsonSerializer.SerializeToNode(new { MaxDestinationLabels = 2 });
        await using var gateway = await TestGateway.StartAsync(json);
        foreach (var host in new[] { "a.example.test", "b.example.test", "c.example.test", "d.example.test", "a.example.test" })
        {
            using var raw = await RawClient.ConnectAsync(gateway.Proxy);
            await raw.SendAsync($"CONNECT {host}:{echo.Port} HTTP/1.1\r\n\r\n");
            await raw.ReadHeadAsync();
        }

        var scrape = await ScrapeWhenAsync(gateway, s => s.Value("egress_connections_opened_total") == 5);
        Assert.Equal(2, scrape.Value("egress_connections_opened_total", ("destination_host", "a.example.test")));
        Assert.Equal(1, scrape.Value("egress_connections_opened_total", ("destination_host", "b.example.test")));
        Assert.Equal(2, scrape.Value("egress_connections_opened_total", ("destination_host", "other")));
        Assert.Equal(3, scrape.Series("egress_connections_opened_total").Count());
    }

    [Fact]
    public async Task Plain_HTTP_SNI_and_connect_failures_are_counted_by_path()
    {
        await using var https = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{https.HttpPort}", $"{https.HttpsPort}" } }, new { Cidr = "127.0.0.1", Ports = new[] { "1-65535" } }],
            hosts: Pins,
            listeners:
            [
                new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http", UpstreamPort = (int?)null },
                new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)https.HttpsPort },
            ]));
        using (var client = gateway.CreateClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://a.example.test:{https.HttpPort}/bytes?n=5000")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("http://z.example.test/")).StatusCode);
            using var closed = new ClosedPort();
            Assert.Equal(HttpStatusCode.BadGateway, (await client.GetAsync($"http://127.0.0.1:{closed.Port}/")).StatusCode);
        }

        var tls = gateway.EndPoint("tls");
        using (var sni = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = TestCertificates.ValidateAgainstTestRoot },
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(tls, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, (await sni.GetAsync($"https://a.example.test:{https.HttpsPort}/echo")).StatusCode);
        }

        // Each path records its counts after its client has its answer: wait for all of them (an exchange's response
        // count and bytes come together), then check each.
        var scrape = await ScrapeWhenAsync(gateway, s => s.Value("egress_connections_closed_total", ("protocol", "sni")) == 1
            && s.Value("egress_http_responses_total") == 3 && s.Value("egress_upstream_connect_failures_total", ("protocol", "http")) == 1);
        Assert.Equal(1, scrape.Value("egress_http_responses_total", ("destination_host", "a.example.test"), ("status_code", "200")));
        Assert.Equal(1, scrape.Value("egress_http_responses_total", ("destination_host", "denied"), ("status_code", "403")));
        Assert.Equal(1, scrape.Value("egress_http_responses_total", ("destination_host", "127.0.0.1"), ("status_code", "502")));
        Assert.Equal(5000, scrape.Value("egress_client_sent_bytes_total", ("protocol", "http"), ("destination_host", "a.example.test")));
        Assert.Equal(1, scrape.Value("egress_upstream_connect_failures_total", ("protocol", "http"), ("kind", "refused")));
        Assert.Equal(1, scrape.Value("egress_connections_opened_total", ("protocol", "sni"), ("listener", "tls"), ("destination_host", "a.example.test")));
        Assert.True(scrape.Value("egress_client_sent_bytes_total", ("protocol", "sni")) > 500); // the upstream's TLS flight and response
    }

    [Fact]
    public async Task Config_reloads_are_counted_by_result()
    {
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(allow: [new { Host = "a.example.test" }]));
        Assert.True(await gateway.ReloadAsync(TestGateway.Config(allow: [new { Host = "b.example.test" }])));
        Assert.False(await gateway.ReloadAsync(TestGateway.Config(allow: [new { Host = "b..example.test" }])));
        var scrape = await MetricsScrape.FromAsync(gateway.Admin);
        Assert.Equal(1, scrape.Value("egress_config_reloads_total", ("result", "success")));
        Assert.Equal(1, scrape.Value("egress_config_reloads_total", ("result", "failure")));
    }

    [Fact]
    public async Task Readyz_and_config_on_the_admin_listener()
    {
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(allow: [new { Host = "a.example.test" }]));
        using var http = DirectHttp.Create();
        Assert.Equal("ready\n", await http.GetStringAsync($"http://{gateway.Admin}/readyz"));
        var config = JsonDocument.Parse(await http.GetStringAsync($"http://{gateway.Admin}/config")).RootElement;
        Assert.Equal("a.example.test", config.GetProperty("allow")[0].GetProperty("host").GetString());
        Assert.Equal(gateway.Admin.Port, config.GetProperty("admin").GetProperty("port").GetInt32()); // bound, not the 0 configured
    }
}
