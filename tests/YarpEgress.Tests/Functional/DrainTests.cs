using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>What shutdown does to traffic still in flight once <c>Timeouts:Drain</c> is over.</summary>
public sealed class DrainTests
{
    private static readonly object ShortDrain = new { DrainDelay = "00:00:00", Drain = "00:00:00.300" };

    private static Task<TestGateway> StartAsync(int upstreamPort, Action<IServiceCollection>? services = null, bool splice = true) => TestGateway.StartAsync(
        TestGateway.Config(allow: [new { Cidr = "127.0.0.1", Ports = new[] { $"{upstreamPort}" } }], timeouts: ShortDrain, splice: splice), services);

    /// <summary>One receive: 0 at a FIN; a reset throws (ECONNRESET).</summary>
    private static async Task<int> ReceiveAsync(RawClient client)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await client.Socket.ReceiveAsync(new byte[16], SocketFlags.None, bound.Token);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_drained_tunnel_ends_with_a_FIN_to_the_client_and_to_the_upstream(bool splice)
    {
        var upstreamSaw = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = TcpUpstream.Start(async socket =>
        {
            var buffer = new byte[1024];
            try
            {
                await socket.SendAsync("hello from upstream"u8.ToArray(), SocketFlags.None);
                while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
                {
                }

                upstreamSaw.TrySetResult("eof");
            }
            catch (SocketException ex)
            {
                upstreamSaw.TrySetResult(ex.SocketErrorCode.ToString());
            }
        });
        var gateway = await StartAsync(upstream.Port, splice: splice);
        await using var _ = gateway;
        using var tunnel = await RawClient.OpenTunnelAsync(gateway.Proxy, $"127.0.0.1:{upstream.Port}");
        Assert.Equal("hello from upstream", Encoding.ASCII.GetString(await tunnel.ReadExactlyAsync(19)));

        var stopping = gateway.StopAsync();
        Assert.Equal(0, await ReceiveAsync(tunnel));
        Assert.Equal("eof", await upstreamSaw.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_drained_tunnel_with_bytes_still_unread_ends_with_a_FIN_to_the_client(bool splice)
    {
        // The upstream never reads: the client's bytes pile up in the gateway, unread when the drain period ends.
        var release = new TaskCompletionSource();
        await using var upstream = TcpUpstream.Start(_ => release.Task);
        var gateway = await StartAsync(upstream.Port, splice: splice);
        await using var _ = gateway;
        using var tunnel = await RawClient.OpenTunnelAsync(gateway.Proxy, $"127.0.0.1:{upstream.Port}");
        var chunk = new byte[64 * 1024];
        using var stopSending = new CancellationTokenSource();
        var sending = Task.Run(async () =>
        {
            try
            {
                while (!stopSending.IsCancellationRequested)
                {
                    await tunnel.Socket.SendAsync(chunk, SocketFlags.None, stopSending.Token);
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
            }
        });

        // Give the buffers time to fill (no assertion depends on how full they got: with nothing unread a close is a
        // FIN anyway), then stop sending and shut down.
        await Task.Delay(300);
        await stopSending.CancelAsync();
        await sending;
        var stopping = gateway.StopAsync();
        Assert.Equal(0, await ReceiveAsync(tunnel));
        tunnel.Socket.Shutdown(SocketShutdown.Send); // as a client does on EOF
        release.TrySetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_plain_HTTP_request_still_waiting_for_its_response_is_aborted_when_the_drain_period_ends()
    {
        // An upstream that takes the request and never answers; the host's own shutdown timeout is far away, so only
        // the drain bound can end the shutdown within the test's wait.
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var upstreamClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = TcpUpstream.Start(async socket =>
        {
            var buffer = new byte[4096];
            try
            {
                while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
                {
                    requested.TrySetResult();
                }
            }
            catch (SocketException)
            {
            }

            upstreamClosed.TrySetResult();
        });
        var gateway = await StartAsync(upstream.Port, services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(10)));
        await using var _ = gateway;
        using var client = gateway.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(10); // nor the client's
        var response = client.GetAsync($"http://127.0.0.1:{upstream.Port}/slow");
        await requested.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await gateway.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await Assert.ThrowsAsync<HttpRequestException>(() => response.WaitAsync(TimeSpan.FromSeconds(20)));
        await upstreamClosed.Task.WaitAsync(TimeSpan.FromSeconds(20)); // the upstream request was cancelled too
    }
}
