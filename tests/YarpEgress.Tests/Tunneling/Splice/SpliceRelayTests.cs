using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using YarpEgress.Tunneling;
using YarpEgress.Tunneling.Splice;
using static YarpEgress.Tests.Tunneling.Splice.SpliceTunnelHarness;

namespace YarpEgress.Tests.Tunneling.Splice;

/// <summary>The splice engine (Linux, as the whole suite) on real loopback socket pairs: the copier's half-close, reset, timeout and byte semantics.</summary>
public sealed class SpliceRelayTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly SpliceRelay _relay;

    public SpliceRelayTests()
    {
        _relay = new SpliceRelay(_time, () => new SpliceSettings(Enabled: true, PipeBytes: 0), NullLogger<SpliceRelay>.Instance);
    }

    public void Dispose() => _relay.Dispose();

    [Fact]
    public async Task Pending_bytes_go_upstream_first_and_large_transfers_arrive_byte_exact_both_ways()
    {
        var pending = RandomBytes(70_000, seed: 1);
        var up = RandomBytes(9 * 1024 * 1024 + 17, seed: 2);
        var down = RandomBytes(7 * 1024 * 1024 + 5, seed: 3);
        await using var tunnel = await StartAsync(_relay, pending);

        var upstreamReceived = ReadToEndAsync(tunnel.Upstream);
        var clientReceived = ReadToEndAsync(tunnel.Client);
        await Task.WhenAll(SendAndFinAsync(tunnel.Client, up), SendAndFinAsync(tunnel.Upstream, down));

        Assert.Equal(pending.Concat(up).ToArray(), await upstreamReceived);
        Assert.Equal(down, await clientReceived);
        var result = await tunnel.EndAsync();
        Assert.Equal(new TunnelResult(pending.Length + up.Length, down.Length, TunnelEnd.Closed), result);
        Assert.Equal(result.BytesFromClient, tunnel.Meter.FromClientTotal);
        Assert.Equal(result.BytesFromUpstream, tunnel.Meter.ToClientTotal);
        Assert.True(_relay.Taken > 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_FIN_ends_one_direction_only_and_the_other_still_flows(bool clientFirst)
    {
        await using var tunnel = await StartAsync(_relay);
        var (first, second) = clientFirst ? (tunnel.Client, tunnel.Upstream) : (tunnel.Upstream, tunnel.Client);
        await SendAndFinAsync(first, "last words"u8.ToArray());
        Assert.Equal("last words"u8.ToArray(), await ReadToEndAsync(second)); // the FIN came through, after the bytes

        var answer = RandomBytes(300_000, seed: 4);
        await SendAndFinAsync(second, answer);
        Assert.Equal(answer, await ReadToEndAsync(first));
        Assert.Equal(TunnelEnd.Closed, (await tunnel.EndAsync()).End);
    }

    [Fact]
    public async Task Both_FINs_at_once_end_the_tunnel_closed()
    {
        await using var tunnel = await StartAsync(_relay);
        tunnel.Client.Shutdown(SocketShutdown.Send);
        tunnel.Upstream.Shutdown(SocketShutdown.Send);
        Assert.Empty(await ReadToEndAsync(tunnel.Client));
        Assert.Empty(await ReadToEndAsync(tunnel.Upstream));
        Assert.Equal(new TunnelResult(0, 0, TunnelEnd.Closed), await tunnel.EndAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_reset_on_one_side_resets_the_other(bool clientResets)
    {
        await using var tunnel = await StartAsync(_relay);
        await tunnel.Client.SendAsync("hello"u8.ToArray(), SocketFlags.None);
        Assert.Equal("hello"u8.ToArray(), await ReceiveExactlyAsync(tunnel.Upstream, 5));

        Reset(clientResets ? tunnel.Client : tunnel.Upstream);
        await ReadUntilResetAsync(clientResets ? tunnel.Upstream : tunnel.Client);
        Assert.Equal(clientResets ? TunnelEnd.ClientReset : TunnelEnd.UpstreamReset, (await tunnel.EndAsync()).End);
    }

    [Fact]
    public async Task Both_sides_resetting_at_once_end_the_tunnel_as_a_reset()
    {
        await using var tunnel = await StartAsync(_relay);
        Reset(tunnel.Client);
        Reset(tunnel.Upstream);
        Assert.Contains((await tunnel.EndAsync()).End, new[] { TunnelEnd.ClientReset, TunnelEnd.UpstreamReset });
    }

    [Fact]
    public async Task A_client_that_resets_while_the_upstream_reads_nothing_resets_the_upstream()
    {
        await using var tunnel = await StartAsync(_relay);
        tunnel.Upstream.ReceiveBufferSize = 4096;
        var flood = tunnel.Client.SendAsync(new byte[64 * 1024 * 1024], SocketFlags.None);
        while (tunnel.Meter.FromClientTotal == 0 || flood.IsCompleted)
        {
            Assert.False(flood.IsCompleted, "the upstream took 64 MiB without reading");
            await Task.Delay(10);
        }

        Reset(tunnel.Client); // every buffer on the way is full: nothing reads the client any more
        Assert.Equal(TunnelEnd.ClientReset, (await tunnel.EndAsync()).End);
        await ReadUntilResetAsync(tunnel.Upstream);
        await Assert.ThrowsAnyAsync<Exception>(() => flood);
    }

    [Fact]
    public async Task An_idle_tunnel_closes_in_order_at_the_idle_timeout_and_a_busy_one_does_not()
    {
        var timeouts = new TunnelTimeouts(TimeSpan.FromMinutes(1), null);
        await using var idle = await StartAsync(_relay, timeouts: timeouts);
        await using var busy = await StartAsync(_relay, timeouts: timeouts);
        for (var i = 0; i < 8; i++)
        {
            await busy.Client.SendAsync("x"u8.ToArray(), SocketFlags.None);
            await ReceiveExactlyAsync(busy.Upstream, 1);
            _time.Advance(TimeSpan.FromSeconds(20));
        }

        Assert.False(busy.Result.IsCompleted);
        Assert.Empty(await ReadToEndAsync(idle.Client)); // a FIN to each side ...
        Assert.Empty(await ReadToEndAsync(idle.Upstream));
        idle.Client.Shutdown(SocketShutdown.Send); // ... and the close waits for theirs
        idle.Upstream.Shutdown(SocketShutdown.Send);
        Assert.Equal(TunnelEnd.IdleTimeout, (await idle.EndAsync()).End);
    }

    [Fact]
    public async Task A_busy_tunnel_ends_at_its_lifetime_even_if_a_side_never_sends_its_FIN()
    {
        await using var tunnel = await StartAsync(_relay, timeouts: new TunnelTimeouts(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5)));
        while (!tunnel.Result.IsCompleted)
        {
            await tunnel.Client.SendAsync("x"u8.ToArray(), SocketFlags.None);
            _time.Advance(TimeSpan.FromSeconds(30)); // past the lifetime, then past the close's grace
            await Task.Delay(5);
        }

        Assert.Equal(TunnelEnd.LifetimeExceeded, (await tunnel.EndAsync()).End);
    }

    [Fact]
    public async Task Cancellation_closes_in_order_and_ends_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        await using var tunnel = await StartAsync(_relay, cancellationToken: cancel.Token);
        await tunnel.Upstream.SendAsync("partial"u8.ToArray(), SocketFlags.None);
        Assert.Equal("partial"u8.ToArray(), await ReceiveExactlyAsync(tunnel.Client, 7));

        cancel.Cancel();
        Assert.Empty(await ReadToEndAsync(tunnel.Client));
        await tunnel.Upstream.SendAsync(new byte[100_000], SocketFlags.None); // dropped, not a reset
        tunnel.Upstream.Shutdown(SocketShutdown.Send);
        tunnel.Client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await ReadToEndAsync(tunnel.Upstream));
        Assert.Equal(TunnelEnd.Cancelled, (await tunnel.EndAsync()).End);
    }

    [Fact]
    public async Task Many_concurrent_tunnels_each_deliver_their_own_bytes()
    {
        var tunnels = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => StartAsync(_relay)));
        try
        {
            await Task.WhenAll(tunnels.Select(async (tunnel, i) =>
            {
                var up = RandomBytes(1000 + (i * 997), seed: i);
                var down = RandomBytes(50_000 + i, seed: -i);
                var upstreamReceived = ReadToEndAsync(tunnel.Upstream);
                var clientReceived = ReadToEndAsync(tunnel.Client);
                await Task.WhenAll(SendAndFinAsync(tunnel.Client, up), SendAndFinAsync(tunnel.Upstream, down));
                Assert.Equal(up, await upstreamReceived);
                Assert.Equal(down, await clientReceived);
                Assert.Equal(new TunnelResult(up.Length, down.Length, TunnelEnd.Closed), await tunnel.EndAsync());
            }));
        }
        finally
        {
            foreach (var tunnel in tunnels)
            {
                await tunnel.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_relay_with_splice_off_takes_nothing()
    {
        using var off = new SpliceRelay(_time, () => new SpliceSettings(Enabled: false, PipeBytes: 0), NullLogger<SpliceRelay>.Instance);
        await using var tunnel = await StartAsync(off);
        Assert.Null(await tunnel.Result);
        Assert.Equal(0, off.Taken);
        Reset(tunnel.Client); // not taken: nothing moved, the harness's sockets are still the test's
        Reset(tunnel.Upstream);
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    internal static async Task SendAndFinAsync(Socket socket, byte[] bytes)
    {
        await socket.SendAsync(bytes, SocketFlags.None);
        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        for (var at = 0; at < count;)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(at), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(read > 0, $"the stream ended after {at} of {count} bytes");
            at += read;
        }

        return buffer;
    }
}
