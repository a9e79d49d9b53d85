using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using YarpEgress.Listeners.Http;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// The forwarder's upstream pools under a client that asks for many destinations over one connection: the total and
/// per-destination caps hold, idle connections close, and the gauge shows what is open.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class UpstreamPoolTests
{
    /// <summary>Every <c>*.pool.test</c> name is allowed and routed to the one loopback upstream: each name is its own pool.</summary>
    internal static JsonNode PoolConfig(int upstreamPort, object limits, object timeouts)
    {
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "*.pool.test", Ports = new[] { $"{upstreamPort}" } }], limits: limits, timeouts: timeouts))!;
        config["Egress"]!["Routes"] = JsonSerializer.SerializeToNode(new[] { new { Host = "*.pool.test", Upstream = $"127.0.0.1:{upstreamPort}" } });
        return config;
    }

    private static HttpClient OneConnectionClient(TestGateway gateway)
    {
        var handler = gateway.CreateHandler();
        handler.MaxConnectionsPerServer = 1; // every request over the same client connection
        return gateway.CreateClient(handler);
    }

    [Fact]
    public async Task Many_distinct_destinations_over_one_connection_keep_no_more_upstream_connections_than_the_cap()
    {
        const int cap = 8;
        const int names = 120;
        await using var upstream = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(PoolConfig(upstream.HttpPort,
            limits: new { MaxUpstreamHttpConnections = cap }, timeouts: new { Connect = "00:00:05", UpstreamHttpIdle = "00:05:00" }));
        var open = gateway.Services.GetRequiredService<ForwardingInvokers>().Connections;
        using var client = OneConnectionClient(gateway);

        for (var i = 0; i < names; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://n{i}.pool.test:{upstream.HttpPort}/echo")).StatusCode);

            // The idle timeout is minutes away: only the cap can keep the count down. The connection that served this
            // response may still be closing, but nothing beyond it.
            Assert.InRange(open.Open, 1, cap + 1);
            Assert.True(await Eventually.TrueAsync(() => open.Open <= cap, TimeSpan.FromSeconds(5)), $"{open.Open} upstream connections open after request {i}");
        }

        Assert.Equal(names, upstream.Connections); // each name had its own pool: nothing was shared
        Assert.True(await Eventually.TrueAsync(() => upstream.OpenConnections <= cap, TimeSpan.FromSeconds(5)), $"the upstream sees {upstream.OpenConnections} open");
        var scrape = await MetricsScrape.FromAsync(gateway.Admin);
        Assert.Equal(open.Open, scrape.Value("egress_upstream_http_connections"));
        Assert.Equal(cap, scrape.Value("egress_upstream_http_connections"));
    }

    [Fact]
    public async Task Idle_upstream_connections_close_after_the_idle_timeout()
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(PoolConfig(upstream.HttpPort,
            limits: new { MaxUpstreamHttpConnections = 100 }, timeouts: new { Connect = "00:00:05", UpstreamHttpIdle = "00:00:01" }));
        var open = gateway.Services.GetRequiredService<ForwardingInvokers>().Connections;
        using var client = OneConnectionClient(gateway);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://n{i}.pool.test:{upstream.HttpPort}/echo")).StatusCode);
        }

        Assert.Equal(20, upstream.Connections);
        Assert.True(await Eventually.TrueAsync(() => upstream.OpenConnections == 0 && open.Open == 0, TimeSpan.FromSeconds(20)),
            $"after the idle timeout: {upstream.OpenConnections} open at the upstream, {open.Open} at the gateway");
    }

    [Fact]
    public async Task Concurrent_requests_to_one_destination_share_at_most_the_per_destination_cap()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        await using var upstream = TcpUpstream.Start(async socket =>
        {
            // A minimal HTTP/1.1 origin whose answers wait for the test, so requests pile up on the gateway.
            var buffer = new byte[4096];
            while (true)
            {
                var head = new System.Text.StringBuilder();
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None);
                    if (read == 0)
                    {
                        return;
                    }

                    head.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
                }

                Interlocked.Increment(ref arrived);
                await release.Task;
                await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), System.Net.Sockets.SocketFlags.None);
            }
        });
        await using var gateway = await TestGateway.StartAsync(PoolConfig(upstream.Port,
            limits: new { MaxUpstreamHttpConnectionsPerDestination = 2 }, timeouts: new { Connect = "00:00:05" }));

        var requests = new List<Task<HttpResponseMessage>>();
        var clients = new List<HttpClient>();
        for (var i = 0; i < 6; i++)
        {
            var client = gateway.CreateClient(); // six client connections, one destination
            clients.Add(client);
            requests.Add(client.GetAsync($"http://same.pool.test:{upstream.Port}/"));
        }

        Assert.True(await Eventually.TrueAsync(() => Volatile.Read(ref arrived) == 2, TimeSpan.FromSeconds(10)));
        Assert.Equal(2, upstream.Accepted); // the other four wait for one of the two connections
        release.SetResult();
        foreach (var response in await Task.WhenAll(requests))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(2, upstream.Accepted);
        clients.ForEach(c => c.Dispose());
    }
}
