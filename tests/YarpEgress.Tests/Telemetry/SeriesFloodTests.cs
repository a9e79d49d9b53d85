using System.Net;
using System.Text.Json;
using YarpEgress.Policy.Clients;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tests.Sni;

namespace YarpEgress.Tests.Telemetry;

/// <summary>
/// Requesters pick names and ports freely: a flood of distinct refused destinations on every path must not add a
/// single series to any metric (the gateway's, ASP.NET Core's, Kestrel's, HttpClient's), so OpenTelemetry's
/// cardinality limit is never reached and a new allowed destination still gets its series.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class SeriesFloodTests
{
    private const int PerPath = 150;

    [Fact]
    public async Task Distinct_refused_names_and_ports_on_every_path_add_no_series_and_an_allowed_request_still_gets_its_own()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{upstream.HttpPort}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            listeners:
            [
                new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http", UpstreamPort = (int?)null },
                new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)443 },
            ]));
        using var client = gateway.CreateClient();

        // Every kind of refusal once, so the series it legitimately has (status 403, 400, decision denied) exist; the
        // first scrape makes the admin listener's own series.
        await FloodAsync(gateway, client, count: 1, seed: "warm");
        await SeriesByMetricAsync(gateway);
        var before = await SeriesByMetricAsync(gateway);

        await FloodAsync(gateway, client, count: PerPath, seed: "flood");
        var after = await SeriesByMetricAsync(gateway);

        var grown = after.Where(m => m.Value > before.GetValueOrDefault(m.Key) && !IsRuntime(m.Key))
            .Select(m => $"{m.Key}: {before.GetValueOrDefault(m.Key)} -> {m.Value}").ToList();
        Assert.True(grown.Count == 0, "series grew: " + string.Join("; ", grown));
        var scrape = await MetricsScrape.FromAsync(gateway.Admin);
        Assert.Equal(3 * (PerPath + 1), scrape.Value("egress_policy_decisions_total", ("decision", "denied"), ("rule", "no_match")));
        Assert.DoesNotContain(scrape.Series("egress_http_responses_total"), l => l["destination_port"] != "-" && l["destination_host"] == "denied");

        // A destination never seen before still gets its own series.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://a.example.test:{upstream.HttpPort}/echo")).StatusCode);
        (string, string)[] allowed = [("destination_host", "a.example.test"), ("destination_port", $"{upstream.HttpPort}"), ("status_code", "200")];
        for (var i = 0; i < 100 && scrape.Value("egress_http_responses_total", allowed) == 0; i++)
        {
            await Task.Delay(50); // the response is counted when its session ends, just after the client has it
            scrape = await MetricsScrape.FromAsync(gateway.Admin);
        }

        Assert.Equal(1, scrape.Value("egress_http_responses_total", allowed));
    }

    [Fact]
    public async Task Distinct_ports_refused_for_missing_credentials_add_no_series()
    {
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(allow: [new { Host = "**.test", Ports = new[] { "1-65535" } }]))!;
        config["Egress"]!["Clients"] = JsonSerializer.SerializeToNode(new[]
        {
            new { Name = "team", Sources = new[] { "127.0.0.0/8" }, ProxyUser = "team", ProxyPasswordHash = PasswordHash.Create("s3cret") },
        });
        await using var gateway = await TestGateway.StartAsync(config);
        using var client = gateway.CreateClient();
        async Task RefuseAsync(int port)
        {
            Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, (await client.GetAsync($"http://n{port}.test:{port}/")).StatusCode);
            Assert.StartsWith("HTTP/1.1 407", (await RawClient.ConnectOnceAsync(gateway.Proxy, $"n{port}.test:{port}")).Head, StringComparison.Ordinal);
        }

        await RefuseAsync(999);
        await SeriesByMetricAsync(gateway);
        var before = await SeriesByMetricAsync(gateway);
        for (var port = 1000; port < 1000 + PerPath; port++)
        {
            await RefuseAsync(port);
        }

        var after = await SeriesByMetricAsync(gateway);
        var grown = after.Where(m => m.Value > before.GetValueOrDefault(m.Key) && !IsRuntime(m.Key)).Select(m => m.Key).ToList();
        Assert.True(grown.Count == 0, "series grew: " + string.Join(", ", grown));
        Assert.Equal(PerPath + 1, (await MetricsScrape.FromAsync(gateway.Admin)).Value("egress_http_responses_total", ("destination_host", "invalid"), ("destination_port", "-"), ("status_code", "407")));
    }

    [Fact]
    public async Task DNS_lookups_are_measured_without_the_name_looked_up()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.Config(allow: [new { Host = "localhost", Ports = new[] { $"{upstream.HttpPort}" } }]));
        using var client = gateway.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://localhost:{upstream.HttpPort}/echo")).StatusCode); // resolved by the OS, not pinned

        var scrape = await MetricsScrape.FromAsync(gateway.Admin);
        Assert.NotEmpty(scrape.Series("dns_lookup_duration_seconds_count"));
        Assert.DoesNotContain(scrape.Names(), name => scrape.Series(name).Any(labels => labels.ContainsKey("dns_question_name")));
    }

    /// <summary>Refused destinations on each path, every one a new name and port.</summary>
    private static async Task FloodAsync(TestGateway gateway, HttpClient client, int count, string seed)
    {
        for (var i = 0; i < count; i++)
        {
            var port = 1000 + i;
            var name = $"{seed}{i}-{Guid.NewGuid():N}.denied.test";

            // Plain HTTP, absolute-form, over the client's one kept-alive connection.
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"http://{name}:{port}/")).StatusCode);

            // CONNECT: refused with a 403, which closes the connection.
            var (head, _) = await RawClient.ConnectOnceAsync(gateway.Proxy, $"{name}:{port}");
            Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);

            // SNI: a host:port server name, refused with an alert.
            using var sni = await RawClient.ConnectAsync(gateway.EndPoint("tls"));
            await sni.SendAsync(ClientHelloSamples.ChromiumStyle($"{name}:{port}"));
            var alert = await sni.ReadToEndAsync();
            Assert.Equal(21, alert[0]); // a TLS alert record
        }
    }

    private static async Task<Dictionary<string, int>> SeriesByMetricAsync(TestGateway gateway)
    {
        var scrape = await MetricsScrape.FromAsync(gateway.Admin);
        return scrape.Names().ToDictionary(name => name, name => scrape.Series(name).Count());
    }

    /// <summary>The runtime's own series (GC generations, exception types, JIT) appear as the process lives, not per request.</summary>
    private static bool IsRuntime(string metric) => metric.StartsWith("dotnet_", StringComparison.Ordinal) || metric.StartsWith("process_", StringComparison.Ordinal);
}
