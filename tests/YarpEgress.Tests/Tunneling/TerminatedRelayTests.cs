using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Time.Testing;
using YarpEgress.Tests.Infrastructure;
using YarpEgress.Tunneling;

namespace YarpEgress.Tests.Tunneling;

/// <summary>
/// The relay for a client whose TLS the gateway terminated: the client is the TLS layer's pair of pipes (here in
/// memory, as Kestrel tests its middleware), the upstream a real loopback socket.
/// </summary>
public sealed class TerminatedRelayTests : IAsyncLifetime
{
    private static readonly TunnelTimeouts NoTimeouts = new(TimeSpan.FromHours(1), null);

    private readonly Pipe _fromClient = new();
    private readonly Pipe _toClient = new();
    private DefaultConnectionContext _client = null!;
    private SocketPair _upstream = null!;

    public async Task InitializeAsync()
    {
        _upstream = await SocketPair.ConnectAsync();
        _client = new DefaultConnectionContext("terminated", new DuplexPipe(_fromClient.Reader, _toClient.Writer), new DuplexPipe(_toClient.Reader, _fromClient.Writer));
    }

    public async Task DisposeAsync()
    {
        _upstream.Dispose();
        await _client.DisposeAsync();
    }

    private Task<TunnelResult> RelayAsync() => new TunnelRelay(new FakeTimeProvider()).RelayTerminatedAsync(_client, _upstream.Gateway, meter: null, NoTimeouts, CancellationToken.None);

    private async Task<string> ReadClientOutputToEndAsync()
    {
        var text = new StringBuilder();
        while (true)
        {
            var result = await _toClient.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            foreach (var segment in result.Buffer)
            {
                text.Append(Encoding.ASCII.GetString(segment.Span));
            }

            _toClient.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return text.ToString();
            }
        }
    }

    [Fact]
    public async Task The_client_pipe_reaches_the_upstream_with_its_end_and_the_upstream_answer_completes_the_client_output()
    {
        var relay = RelayAsync();
        await _fromClient.Writer.WriteAsync("decrypted request"u8.ToArray());
        await _fromClient.Writer.CompleteAsync();
        Assert.Equal("decrypted request", Encoding.ASCII.GetString(await _upstream.ReadToEndAsync()));

        await _upstream.Peer.SendAsync("answer"u8.ToArray(), SocketFlags.None);
        _upstream.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal("answer", await ReadClientOutputToEndAsync());
        Assert.Equal(new TunnelResult(17, 6, TunnelEnd.Closed), await relay);
    }

    [Fact]
    public async Task An_upstream_reset_aborts_the_client_connection_and_names_the_socket_error()
    {
        var relay = RelayAsync();
        await _fromClient.Writer.WriteAsync("x"u8.ToArray());
        Assert.Equal(1, await _upstream.Peer.ReceiveAsync(new byte[4], SocketFlags.None));
        _upstream.ResetPeer();

        var result = await relay;
        Assert.Equal(TunnelEnd.UpstreamReset, result.End);
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(result.Error).SocketErrorCode);
        // Aborted, not closed as if complete (the context signals ConnectionClosed from the thread pool).
        Assert.True(await Eventually.TrueAsync(() => _client.ConnectionClosed.IsCancellationRequested, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_client_whose_TLS_layer_fails_resets_the_upstream()
    {
        var relay = RelayAsync();
        await _fromClient.Writer.CompleteAsync(new IOException("bad record MAC"));
        var result = await relay;
        Assert.Equal(TunnelEnd.ClientReset, result.End);
        Assert.IsType<IOException>(result.Error);
        var error = await Assert.ThrowsAsync<SocketException>(() => _upstream.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
