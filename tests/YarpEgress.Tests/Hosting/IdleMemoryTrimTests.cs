using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using YarpEgress.Hosting;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Hosting;

/// <summary><c>Egress:Memory:IdleTrimAfter</c>: one full collection after a busy stretch, once the gateway is quiet.</summary>
public sealed class IdleMemoryTrimTests
{
    [Fact]
    public void A_trim_comes_once_per_busy_then_quiet_change_and_never_while_busy()
    {
        var load = new QuietAfterBusy(quietBytes: 100);
        Assert.False(load.Observe(0)); // quiet from the start: nothing to return
        Assert.False(load.Observe(500));
        Assert.False(load.Observe(100)); // the threshold counts as busy
        Assert.True(load.Observe(99));
        Assert.False(load.Observe(0));
        Assert.False(load.Observe(0));
        Assert.False(load.Observe(1000));
        Assert.True(load.Observe(0));
    }

    [Fact]
    public async Task The_gateway_trims_after_start_up_allocations_once_its_quiet_period_passes()
    {
        var time = new FakeTimeProvider();
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(allow: []))!;
        config["Egress"]!["Memory"] = JsonSerializer.SerializeToNode(new { IdleTrimAfter = "00:00:10" });
        config["Logging"] = JsonSerializer.SerializeToNode(new { LogLevel = new { Default = "Information" }, Console = new { FormatterOptions = new { ColorBehavior = "Disabled" } } });
        await using var gateway = await TestGateway.StartAsync(config, services =>
        {
            services.AddSingleton<TimeProvider>(time);
            ConsoleCapture.AddTo(services);
        });
        var capture = gateway.Services.GetRequiredService<ConsoleCapture>();

        // Start-up allocated far more than the quiet threshold: the first period is busy, a later quiet one trims.
        GC.KeepAlive(new byte[2 * IdleMemoryTrimmer.QuietBytes]);
        var trimmed = await Eventually.TrueAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(10));
            return capture.Text.Contains("memory trimmed, working set", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20));
        Assert.True(trimmed, capture.Text);
    }
}
