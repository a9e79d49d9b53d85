using System.Text.Json;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>A reload keeps open circuit breakers open unless <c>Egress:CircuitBreaker</c> itself changed.</summary>
public sealed class BreakerReloadTests
{
    private static object Config(int port, string breakDuration, string extraHost)
    {
        var config = JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Cidr = "127.0.0.1", Ports = new[] { $"{port}" } }, new { Host = extraHost }]))!;
        config["Egress"]!["CircuitBreaker"] = JsonSerializer.SerializeToNode(new { FailureRatio = 0.5, MinimumThroughput = 2, SamplingDuration = "00:00:30", BreakDuration = breakDuration });
        return config;
    }

    private static async Task<string> ConnectStatusAsync(TestGateway gateway, int port) =>
        (await RawClient.ConnectOnceAsync(gateway.Proxy, $"127.0.0.1:{port}")).Head.Split("\r\n")[0];

    [Fact]
    public async Task An_unrelated_reload_keeps_an_open_breaker_and_new_breaker_settings_close_it()
    {
        using var closed = new ClosedPort();
        await using var gateway = await TestGateway.StartAsync(Config(closed.Port, "00:01:00", "a.example.test"));
        Assert.StartsWith("HTTP/1.1 502", await ConnectStatusAsync(gateway, closed.Port), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 502", await ConnectStatusAsync(gateway, closed.Port), StringComparison.Ordinal);

        // The upstream comes back; the allowlist changes: the breaker stays open, refusing without a dial.
        await using var revived = closed.OpenEcho();
        Assert.True(await gateway.ReloadAsync(Config(closed.Port, "00:01:00", "b.example.test")));
        Assert.StartsWith("HTTP/1.1 503", await ConnectStatusAsync(gateway, closed.Port), StringComparison.Ordinal);
        Assert.Equal(0, revived.Accepted);

        // New breaker settings: every breaker starts closed under them, so the next connect dials.
        Assert.True(await gateway.ReloadAsync(Config(closed.Port, "00:02:00", "b.example.test")));
        Assert.Equal("HTTP/1.1 200 Connection Established", await ConnectStatusAsync(gateway, closed.Port));
    }
}
