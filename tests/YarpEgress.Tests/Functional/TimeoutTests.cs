using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// Tunnel idle and lifetime and CONNECT head timeouts on the gateway's clock, a <see cref="FakeTimeProvider"/> that only the test
/// moves: each timeout is shown to hold until its moment and to act once it has passed, whatever the machine's load.
/// </summary>
public sealed class TimeoutTests
{
    private static Task<TestGateway> StartAsync(FakeTimeProvider time, object config) =>
        TestGateway.StartAsync(config, services => services.AddSingleton<TimeProvider>(time));

    /// <summary>True when the peer has closed or sent something: a read would not block.</summary>
    private static bool HasNews(RawClient client) => client.Socket.Poll(0, SelectMode.SelectRead);

    /// <summary>Moves the clock by <paramref name="step"/> until the condition holds (a gateway timer firing runs on the thread pool).</summary>
    /// <summary>
    /// Advances fake time one step at a time, giving the gateway a moment of real time after each step to act on it,
    /// so a loaded machine cannot let fake time run ahead of the gateway (past the busy tunnel's own idle timeout).
    /// </summary>
    private static async Task<bool> AdvanceUntilAsync(FakeTimeProvider time, TimeSpan step, Func<bool> condition)
    {
        for (var i = 0; i < 20 && !condition(); i++)
        {
            time.Advance(step);
            if (await Eventually.TrueAsync(condition, TimeSpan.FromSeconds(1)))
            {
                return true;
            }
        }

        return condition();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_idle_tunnel_is_closed_at_the_idle_timeout_and_a_busy_one_is_not(bool splice)
    {
        var time = new FakeTimeProvider();
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await StartAsync(time, TestGateway.Config(
            allow: [new { Cidr = "127.0.0.1", Ports = new[] { $"{echo.Port}" } }], timeouts: new { TunnelIdle = "00:10:00" }, splice: splice));
        using var busy = await RawClient.OpenTunnelAsync(gateway.Proxy, $"127.0.0.1:{echo.Port}");
        using var idle = await RawClient.OpenTunnelAsync(gateway.Proxy, $"127.0.0.1:{echo.Port}");

        // Nine and a half minutes, the busy tunnel echoing every half minute: both stay open.
        for (var i = 0; i < 19; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            await busy.SendAsync("x");
            Assert.Equal("x", Encoding.ASCII.GetString(await busy.ReadExactlyAsync(1)));
        }

        Assert.False(HasNews(idle));

        // Past ten minutes of silence the idle tunnel is closed (an orderly end: EOF); the busy one still echoes.
        Assert.True(await AdvanceUntilAsync(time, TimeSpan.FromSeconds(30), () => HasNews(idle)));
        Assert.Empty(await idle.ReadToEndAsync());
        await busy.SendAsync("y");
        Assert.Equal("y", Encoding.ASCII.GetString(await busy.ReadExactlyAsync(1)));
    }

    [Fact]
    public async Task A_slowloris_CONNECT_head_is_cut_off_at_the_head_timeout()
    {
        var time = new FakeTimeProvider();
        await using var gateway = await StartAsync(time, TestGateway.Config(allow: [new { Host = "a.example.test" }], timeouts: new { RequestHead = "00:00:10" }));
        using var raw = await RawClient.ConnectAsync(gateway.Proxy);
        await raw.SendAsync("CONNECT a.example.test:443 HTTP/1.1\r\n");

        // A byte a second keeps the head incomplete; for nine seconds nothing is answered.
        foreach (var c in "X-Slow: aaaa")
        {
            time.Advance(TimeSpan.FromSeconds(0.75));
            await raw.SendAsync(c.ToString());
        }

        Assert.False(HasNews(raw));
        Assert.True(await AdvanceUntilAsync(time, TimeSpan.FromSeconds(1), () => HasNews(raw)));
        Assert.StartsWith("HTTP/1.1 408", await raw.ReadHeadAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_busy_tunnel_is_closed_at_its_lifetime(bool splice)
    {
        var time = new FakeTimeProvider();
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await StartAsync(time, TestGateway.Config(
            allow: [new { Cidr = "127.0.0.1", Ports = new[] { $"{echo.Port}" } }], timeouts: new { TunnelLifetime = "01:00:00" }, splice: splice));
        using var tunnel = await RawClient.OpenTunnelAsync(gateway.Proxy, $"127.0.0.1:{echo.Port}");

        // Busy every five minutes for 55 minutes: open.
        for (var i = 0; i < 11; i++)
        {
            time.Advance(TimeSpan.FromMinutes(5));
            await tunnel.SendAsync("x");
            Assert.Equal("x", Encoding.ASCII.GetString(await tunnel.ReadExactlyAsync(1)));
        }

        Assert.False(HasNews(tunnel));
        Assert.True(await AdvanceUntilAsync(time, TimeSpan.FromMinutes(1), () => HasNews(tunnel)));
        Assert.Empty(await tunnel.ReadToEndAsync());
    }
}
