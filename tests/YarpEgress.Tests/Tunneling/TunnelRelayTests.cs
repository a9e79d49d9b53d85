using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using YarpEgress.Transport;
using YarpEgress.Tunneling;

namespace YarpEgress.Tests.Tunneling;

/// <summary>
/// The relay on real loopback socket pairs, below the gateway: a client pair (the test's client socket and the
/// gateway's detached end) and an upstream pair. Time is a <see cref="FakeTimeProvider"/> that only the test moves.
/// </summary>
public sealed class TunnelRelayTests : IAsyncLifetime
{
    private static readonly TunnelTimeouts NoTimeouts = new(TimeSpan.FromHours(1), null);

    private readonly FakeTimeProvider _time = new();
    private readonly CountingMeter _meter = new();
    private SocketPair _client = null!;
    private SocketPair _upstream = null!;

    public async Task InitializeAsync()
    {
        _client = await SocketPair.ConnectAsync();
        _upstream = await SocketPair.ConnectAsync();
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _upstream.Dispose();
        return Task.CompletedTask;
    }

    private Task<TunnelResult> RelayAsync(TunnelTimeouts timeouts, string pending = "", CancellationToken cancellationToken = default) =>
        new TunnelRelay(_time).RelayDetachedAsync(Detached(_client.Gateway, pending), _upstream.Gateway, _meter, timeouts, cancellationToken);

    /// <summary>The gateway's end of the client pair as a hand-over gives it: with bytes a pipe had received and nobody read.</summary>
    private static DetachedSocket Detached(Socket socket, string pending)
    {
        var pipe = new Pipe();
        pipe.Writer.Write(Encoding.ASCII.GetBytes(pending));
        pipe.Writer.Complete();
        Assert.True(pipe.Reader.TryRead(out var read));
        return new DetachedSocket(socket, pipe.Reader, read.Buffer);
    }

    private static Task SendAsync(Socket socket, string text) => socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

    private static async Task<string> ReadTextToEndAsync(SocketPair pair) => Encoding.ASCII.GetString(await pair.ReadToEndAsync());

    [Fact]
    public async Task A_client_FIN_reaches_the_upstream_and_the_answer_sent_after_it_still_reaches_the_client()
    {
        var relay = RelayAsync(NoTimeouts);
        await SendAsync(_client.Peer, "request");
        _client.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal("request", await ReadTextToEndAsync(_upstream)); // the FIN came through after the bytes

        await SendAsync(_upstream.Peer, "answer after the FIN");
        _upstream.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal("answer after the FIN", await ReadTextToEndAsync(_client));

        var result = await relay;
        Assert.Equal(new TunnelResult(7, 20, TunnelEnd.Closed), result);
        Assert.Equal((7, 20), (_meter.FromClientTotal, _meter.ToClientTotal));
    }

    [Fact]
    public async Task An_upstream_FIN_reaches_the_client_and_the_client_can_still_send()
    {
        var relay = RelayAsync(NoTimeouts);
        await SendAsync(_upstream.Peer, "banner");
        _upstream.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal("banner", await ReadTextToEndAsync(_client));

        await SendAsync(_client.Peer, "late");
        _client.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal("late", await ReadTextToEndAsync(_upstream));
        Assert.Equal(new TunnelResult(4, 6, TunnelEnd.Closed), await relay);
    }

    [Fact]
    public async Task A_client_reset_resets_the_upstream_and_names_the_socket_error()
    {
        var relay = RelayAsync(NoTimeouts);
        await SendAsync(_client.Peer, "x");
        Assert.Equal(1, await _upstream.Peer.ReceiveAsync(new byte[8], SocketFlags.None)); // the tunnel is up
        _client.ResetPeer();

        var result = await relay;
        Assert.Equal(TunnelEnd.ClientReset, result.End);
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(result.Error).SocketErrorCode);
        var error = await Assert.ThrowsAsync<SocketException>(() => _upstream.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    [Fact]
    public async Task An_upstream_reset_resets_the_client_and_names_the_socket_error()
    {
        var relay = RelayAsync(NoTimeouts);
        await SendAsync(_upstream.Peer, "y");
        Assert.Equal(1, await _client.Peer.ReceiveAsync(new byte[8], SocketFlags.None));
        _upstream.ResetPeer();

        var result = await relay;
        Assert.Equal(TunnelEnd.UpstreamReset, result.End);
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(result.Error).SocketErrorCode);
        var error = await Assert.ThrowsAsync<SocketException>(() => _client.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    [Fact]
    public async Task Bytes_received_before_the_hand_over_go_upstream_first_and_are_counted()
    {
        var relay = RelayAsync(NoTimeouts, pending: "pipelined;");
        await SendAsync(_client.Peer, "live");
        _client.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal("pipelined;live", await ReadTextToEndAsync(_upstream));
        _upstream.Peer.Shutdown(SocketShutdown.Send);

        Assert.Equal(new TunnelResult(14, 0, TunnelEnd.Closed), await relay);
        Assert.Equal(14, _meter.FromClientTotal);
    }

    [Fact]
    public async Task A_silent_tunnel_ends_at_the_idle_timeout_with_a_FIN_to_each_side()
    {
        var relay = RelayAsync(new TunnelTimeouts(TimeSpan.FromMinutes(10), null));
        await SendAsync(_client.Peer, "once");
        Assert.Equal(4, await _upstream.Peer.ReceiveAsync(new byte[8], SocketFlags.None));

        _time.Advance(TimeSpan.FromMinutes(9)); // not yet: the tunnel stays
        await SendAsync(_upstream.Peer, "still here");
        Assert.Equal(10, await _client.Peer.ReceiveAsync(new byte[16], SocketFlags.None));

        _time.Advance(TimeSpan.FromMinutes(11));
        var reads = Task.WhenAll(ReadTextToEndAsync(_client), ReadTextToEndAsync(_upstream));
        Assert.Equal(["", ""], await reads); // an orderly end: a FIN each, no reset
        _client.Peer.Shutdown(SocketShutdown.Send);
        _upstream.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal(TunnelEnd.IdleTimeout, (await relay).End);
    }

    [Fact]
    public async Task A_busy_tunnel_ends_at_its_lifetime()
    {
        var relay = RelayAsync(new TunnelTimeouts(TimeSpan.FromHours(1), TimeSpan.FromMinutes(30)));
        await SendAsync(_client.Peer, "busy");
        Assert.Equal(4, await _upstream.Peer.ReceiveAsync(new byte[8], SocketFlags.None));

        _time.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(["", ""], await Task.WhenAll(ReadTextToEndAsync(_client), ReadTextToEndAsync(_upstream)));
        _client.Peer.Shutdown(SocketShutdown.Send);
        _upstream.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal(TunnelEnd.LifetimeExceeded, (await relay).End);
    }

    [Fact]
    public async Task The_drain_closes_both_sides_in_order()
    {
        using var drain = new CancellationTokenSource();
        var relay = RelayAsync(NoTimeouts, cancellationToken: drain.Token);
        await drain.CancelAsync();
        Assert.Equal(["", ""], await Task.WhenAll(ReadTextToEndAsync(_client), ReadTextToEndAsync(_upstream)));
        _client.Peer.Shutdown(SocketShutdown.Send);
        _upstream.Peer.Shutdown(SocketShutdown.Send);
        var result = await relay;
        Assert.Equal(TunnelEnd.Cancelled, result.End);
        Assert.Null(result.Error);
    }

    [Fact]
    public async Task A_client_that_resets_while_the_upstream_reads_nothing_is_noticed_by_the_stall_watch()
    {
        var relay = RelayAsync(NoTimeouts);
        var pushed = await StallingPushAsync(_client.Peer);
        Assert.True(pushed > 0);
        _client.ResetPeer();
        var result = await EndedWhileAdvancingAsync(relay);
        Assert.Equal(TunnelEnd.ClientReset, result.End);
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(result.Error).SocketErrorCode);
    }

    /// <summary>Sends until the socket takes no more (the far side reads nothing): the gateway's send to the upstream waits.</summary>
    private static async Task<long> StallingPushAsync(Socket socket)
    {
        var chunk = new byte[64 * 1024];
        long pushed = 0;
        while (true)
        {
            var send = socket.SendAsync(chunk, SocketFlags.None);
            if (await Task.WhenAny(send, Task.Delay(TimeSpan.FromMilliseconds(500))) != send)
            {
                return pushed; // the send stays pending; the reset below ends it
            }

            pushed += await send;
        }
    }

    /// <summary>Moves the fake clock a stall-watch interval at a time until the relay ends (it polls only on its clock).</summary>
    private async Task<TunnelResult> EndedWhileAdvancingAsync(Task<TunnelResult> relay)
    {
        for (var i = 0; i < 300 && !relay.IsCompleted; i++)
        {
            _time.Advance(StallWatch.Interval);
            await Task.WhenAny(relay, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }

        return await relay;
    }
}
