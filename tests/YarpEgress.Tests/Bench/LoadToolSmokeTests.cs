using YarpEgress.Bench;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Bench;

/// <summary>
/// The load tool's scenarios, half a second each, through a gateway started with <c>bench/perf-kit.json</c> (the config
/// the benchmarks use): proves that the tool and that config still work together. No figure is checked here;
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
            "--concurrency", "4", "--warmup", "0.2", "--duration", "0.5"]);
        await using var gateway = await StartBenchGatewayAsync();
        await using var upstreams = Upstreams.Start(options);
        var dialer = new Dialer(options.Path, options);

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
        var options = BenchOptions.Parse(["--scenario", "idle-sni", "--count", "20"]);
        await using var gateway = await StartBenchGatewayAsync();
        await using var upstreams = Upstreams.Start(options);
        Assert.Equal(0, await IdleTunnels.RunAsync(options, new Dialer(options.Path, options)));
    }

    /// <summary>A copy of the bench config: the test gateway owns (and deletes) the file it starts from.</summary>
    private static async Task<TestGateway> StartBenchGatewayAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"yarpegress-bench-{Guid.NewGuid():N}.json");
        File.Copy(RepositoryFiles.PathOf("bench", "perf-kit.json"), path);
        return await TestGateway.StartWithFileAsync(path);
    }
}
