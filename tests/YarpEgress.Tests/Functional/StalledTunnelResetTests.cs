using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tests.Sni;

namespace YarpEgress.Tests.Functional;

/// <summary>
/// A side that resets while the tunnel is stalled on the other side: the client pushes data at an upstream that never
/// reads (so the gateway waits to send and reads nothing from the client), then resets. The tunnel still ends at once
/// with the reset passed on, long before <c>TunnelIdle</c> (an hour here); and the same the other way round.
/// </summary>
public class StalledTunnelResetTests : IAsyncLifetime
{
    /// <summary>Whether the gateway relays detached tunnels with the splice engine; <see cref="StalledTunnelResetCopierTests"/> runs every test with the copier.</summary>
    protected virtual bool Splice => true;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private readonly Channel<Socket> _accepted = Channel.CreateUnbounded<Socket>();
    private readonly CancellationTokenSource _done = new();
    private TcpUpstream _upstream = null!;
    private TestGateway _gateway = null!;

    /// <summary>What the upstream does with each connection once accepted; it keeps the socket until the test ends.</summary>
    private Func<Socket, Task> _behaviour = _ => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _upstream = TcpUpstream.Start(async socket =>
        {
            _accepted.Writer.TryWrite(socket);
            await _behaviour(socket);
            await Task.Delay(Timeout.Infinite, _done.Token);
        });
        _gateway = await TestGateway.StartAsync(TestGateway.Config(
            splice: Splice,
            allow: [new { Host = "a.example.test", Ports = new[] { $"{_upstream.Port}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            timeouts: new { Connect = "00:00:05", TunnelIdle = "01:00:00" },
            listeners:
            [
                new { Name = "proxy", Address = "127.0.0.1", Port = 0, Protocol = "Http", UpstreamPort = (int?)null },
                new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = (int?)_upstream.Port },
            ]),
            services => services.AddLogging(b => b.AddFakeLogging()));
    }

    public async Task DisposeAsync()
    {
        await _done.CancelAsync();
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        _done.Dispose();
    }

    /// <summary>A tunnel through <paramref name="path"/>; the upstream's end of it.</summary>
    private async Task<(RawClient Client, Socket Upstream)> OpenAsync(string path)
    {
        RawClient client;
        if (path == "connect")
        {
            client = await RawClient.ConnectAsync(_gateway.Proxy);
            await client.SendAsync($"CONNECT a.example.test:{_upstream.Port} HTTP/1.1\r\n\r\n");
            Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await client.ReadHeadAsync());
        }
        else
        {
            client = await RawClient.ConnectAsync(_gateway.EndPoint("tls"));
            await client.SendAsync(ClientHelloSamples.ChromiumStyle("a.example.test"));
        }

        using var wait = new CancellationTokenSource(Bound);
        return (client, await _accepted.Reader.ReadAsync(wait.Token));
    }

    private static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>The gateway reset this socket: an error is pending on it (the bytes queued before it stay unread).</summary>
    private static bool WasReset(Socket socket) => socket.Poll(0, SelectMode.SelectError);

    private async Task AssertEndedAsync(string end)
    {
        using var admin = DirectHttp.Create();
        Assert.True(await Eventually.TrueAsync(() => _gateway.Services.GetFakeLogCollector().GetSnapshot()
            .Any(r => r.Category == "YarpEgress.AccessLog" && r.Message.Contains($"end={end}", StringComparison.Ordinal)), Bound));
        var live = JsonDocument.Parse(await admin.GetStringAsync($"http://{_gateway.Admin}/connections")).RootElement;
        Assert.Equal(0, live.GetArrayLength());
    }

    [Theory]
    [InlineData("connect")]
    [InlineData("sni")]
    public async Task A_client_reset_ends_a_tunnel_whose_upstream_reads_nothing(string path)
    {
        var (client, upstream) = await OpenAsync(path);
        await StallingSender.PushUntilStalledAsync(client.Socket);
        Reset(client.Socket);

        Assert.True(await Eventually.TrueAsync(() => WasReset(upstream), Bound)); // passed on as a reset
        await AssertEndedAsync("client_reset");
    }

    [Theory]
    [InlineData("connect")]
    [InlineData("sni")]
    public async Task An_upstream_reset_ends_a_tunnel_whose_client_reads_nothing(string path)
    {
        _behaviour = async socket =>
        {
            await StallingSender.PushUntilStalledAsync(socket);
            Reset(socket);
        };
        var (client, _) = await OpenAsync(path);
        using (client)
        {
            Assert.True(await Eventually.TrueAsync(() => WasReset(client.Socket), TimeSpan.FromSeconds(60)));
            await AssertEndedAsync("upstream_reset");
        }
    }
}
