using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// A pooled upstream connection was dialed under the config of its time. After a reload that changes how destinations
/// are dialed (SSRF guard, pins, routes, DNS), plain HTTP must dial again under the new one, and the old pool closes.
/// </summary>
public sealed class ReloadPoolTests
{
    private static JsonNode Config(int port, string[] privateAllow, string? routeTo = null, string allowed = "a.example.test")
    {
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = allowed, Ports = new[] { $"{port}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            privateAllow: privateAllow))!;
        if (routeTo is not null)
        {
            config["Egress"]!["Routes"] = JsonSerializer.SerializeToNode(new[] { new { Host = "a.example.test", Upstream = routeTo } });
        }

        return config;
    }

    [Fact]
    public async Task Removing_loopback_from_the_private_allowlist_stops_plain_HTTP_over_a_pooled_connection()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.HttpPort, ["127.0.0.1/32"]));
        using var client = gateway.CreateClient();
        var url = $"http://a.example.test:{upstream.HttpPort}/echo";
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
        Assert.Equal(1, upstream.OpenConnections); // pooled, kept alive

        Assert.True(await gateway.ReloadAsync(Config(upstream.HttpPort, [])));
        var (head, _) = await RawClient.ConnectOnceAsync(gateway.Proxy, $"a.example.test:{upstream.HttpPort}");
        Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);

        // The same client connection, a request after the reload: dialed anew, and refused by the guard.
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("error=destination_ip_prohibited", response.Headers.GetValues("Proxy-Status").Single(), StringComparison.Ordinal);
        Assert.Equal(1, upstream.Connections);
        Assert.True(await Eventually.TrueAsync(() => upstream.OpenConnections == 0, TimeSpan.FromSeconds(10)), "the old pool's connection stays open");
    }

    [Fact]
    public async Task A_route_whose_upstream_changed_sends_the_next_request_to_the_new_upstream()
    {
        await using var before = await HttpUpstream.StartAsync();
        await using var after = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(80, ["127.0.0.0/8"], routeTo: $"127.0.0.1:{before.HttpPort}"));
        using var client = gateway.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("http://a.example.test/echo")).StatusCode);
        Assert.Equal(1, before.Connections);

        Assert.True(await gateway.ReloadAsync(Config(80, ["127.0.0.0/8"], routeTo: $"127.0.0.1:{after.HttpPort}")));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("http://a.example.test/echo")).StatusCode);
        Assert.Equal(1, after.Connections);
        Assert.Equal(1, before.Connections);
        Assert.True(await Eventually.TrueAsync(() => before.OpenConnections == 0, TimeSpan.FromSeconds(10)), "the old upstream's pooled connection stays open");
    }

    [Fact]
    public async Task A_reload_that_leaves_the_dial_settings_alone_keeps_the_pooled_connection()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.HttpPort, ["127.0.0.1/32"]));
        using var client = gateway.CreateClient();
        var url = $"http://a.example.test:{upstream.HttpPort}/echo";
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);

        Assert.True(await gateway.ReloadAsync(Config(upstream.HttpPort, ["127.0.0.1/32"], allowed: "*.example.test")));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
        Assert.Equal(1, upstream.Connections); // reused: only the allowlist changed
    }

    [Fact]
    public async Task A_request_in_flight_during_the_reload_finishes_on_the_old_pool()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.HttpPort, ["127.0.0.1/32"]));
        using var client = gateway.CreateClient();
        using var response = await client.GetAsync($"http://a.example.test:{upstream.HttpPort}/bytes?n={4 * 1024 * 1024}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[1024];
        await body.ReadExactlyAsync(first);

        Assert.True(await gateway.ReloadAsync(Config(upstream.HttpPort, [])));
        var rest = new byte[64 * 1024];
        long total = first.Length;
        int read;
        while ((read = await body.ReadAsync(rest)) > 0)
        {
            total += read;
        }

        Assert.Equal(4 * 1024 * 1024, total);
        Assert.True(await Eventually.TrueAsync(() => upstream.OpenConnections == 0, TimeSpan.FromSeconds(10)), "the retired pool was not disposed after its last request");
    }
}
