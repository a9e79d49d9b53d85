using System.Text.Json.Nodes;
using YarpEgress.Bench;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Bench;

/// <summary>
/// The load tool's scenarios, half a second each, through a gateway started with <c>bench/perf-kit.json</c> (the config
/// the benchmarks use, on ports bound at 0): proves that the tool and that config still work together. No figure is checked here;
/// throughput belongs to the benchmarks (README, Performance), not to a timed test.
/// </summary>
public sealed class LoadToolSmokeTests
{
    [Theory]
    [InlineData("connect-bulk", "down", false)]
    [InlineData("connect-bulk", "up", false)]
    [InlineData("sni-bulk", "down", false)]
    [InlineData("sni-bulk", "up", false)]
    [InlineData("connect-newconn", "down", false)]
    [InlineData("sni-newconn", "down", false)]
    [InlineData("http-get", "down", false)]
    [InlineData("connect-bulk", "down", true)]
    [InlineData("sni-newconn", "down", true)]
    [InlineData("http-get", "down", true)]
    public async Task A_short_run_moves_traffic_without_errors(string scenario, string direction, bool direct)
    {
        var options = BenchOptions.Parse(["--scenario", scenario, "--direction", direction, "--direct", direct ? "true" : "false",
            "--concurrency", "4", "--warmup", "0.2", "--duration", "0.5", "--upstream-base", "0"]);
        await using var upstreams = Upstreams.Start(options);
        options = options with { UpstreamPorts = upstreams.Ports };
        await using var gateway = await StartBenchGatewayAsync(options);
        options = options with { Proxy = gateway.Proxy, Sni = gateway.EndPoint("sni") };
        var dialer = new Dialer(options.Path, options);

        // The run's window opens after the first operation and stays open until one is done inside it (LoadRun).
        var measured = scenario switch
        {
            "http-get" => await HttpGetScenario.RunAsync(options),
            _ when scenario.EndsWith("-bulk", StringComparison.Ordinal) => await BulkScenario.RunAsync(options, dialer),
            _ => await NewConnectionScenario.RunAsync(options, dialer),
        };

        Assert.Equal(0, measured.Errors);
        Assert.True(measured.Operations > 0 || measured.Bytes > 0, $"{scenario} moved nothing");
        if (!scenario.EndsWith("-bulk", StringComparison.Ordinal))
        {
            Assert.True(measured.Latency.Percentile(99) > 0);
        }
    }

    [Fact]
    public async Task Idle_tunnels_open_hold_and_close()
    {
        var options = BenchOptions.Parse(["--scenario", "idle-sni", "--count", "20", "--upstream-base", "0"]);
        await using var upstreams = Upstreams.Start(options);
        options = options with { UpstreamPorts = upstreams.Ports };
        await using var gateway = await StartBenchGatewayAsync(options);
        options = options with { Proxy = gateway.Proxy, Sni = gateway.EndPoint("sni") };
        Assert.Equal(0, await IdleTunnels.RunAsync(options, new Dialer(options.Path, options)));
    }

    /// <summary>
    /// <c>bench/perf-kit.json</c> as the benchmarks use it, but every listener on port 0 and its routes and allowlist
    /// pointing at the ports the tool's upstreams bound (port 0 too): nothing is probed or fixed, so runs cannot collide.
    /// </summary>
    private static async Task<TestGateway> StartBenchGatewayAsync(BenchOptions options)
    {
        var config = JsonNode.Parse(File.ReadAllText(RepositoryFiles.PathOf("bench", "perf-kit.json")))!;
        var egress = config["Egress"]!;
        var fixedPorts = new Dictionary<string, int>
        {
            ["127.0.0.1:19001"] = options.Sink.Port,
            ["127.0.0.1:19002"] = options.Source.Port,
            ["127.0.0.1:19003"] = options.RequestResponse.Port,
        };
        foreach (var listener in egress["Listeners"]!.AsArray())
        {
            listener!["Port"] = 0;
        }

        egress["Admin"]!["Port"] = 0;
        foreach (var route in egress["Routes"]!.AsArray())
        {
            if (fixedPorts.TryGetValue(route!["Upstream"]!.GetValue<string>(), out var port))
            {
                route["Upstream"] = $"127.0.0.1:{port}";
            }
        }

        egress["Allow"]![0]!["Ports"] = new JsonArray([.. options.UpstreamPorts!.Select(p => JsonValue.Create($"{p}")), JsonValue.Create("18443")]);
        return await TestGateway.StartAsync(config);
    }
}
