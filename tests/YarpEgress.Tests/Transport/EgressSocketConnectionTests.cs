using System.Net;
using System.Net.Sockets;
using YarpEgress.Transport;

namespace YarpEgress.Tests.Transport;

/// <summary>The gateway's transport on a real loopback socket pair: the FIN, the reset and the hand-over.</summary>
public sealed class EgressSocketConnectionTests : IAsyncLifetime
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private Socket _client = null!;
    private EgressSocketConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = _listener.AcceptAsync();
        await _client.ConnectAsync(_listener.LocalEndPoint!);
        _connection = new EgressSocketConnection(await accept);
        _connection.Start();
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        _client.Dispose();
        _listener.Dispose();
    }

    /// <summary>Reads until <paramref name="count"/> bytes are in the pipe, examining all of them and consuming none, as a peek that waits for more does.</summary>
    private async Task ExamineAsync(int count)
    {
        var input = _connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.Buffer.Length >= count || result.IsCompleted)
            {
                Assert.Equal(count, result.Buffer.Length);
                return;
            }
        }
    }

    [Fact]
    public async Task The_hand_over_passes_on_bytes_a_reader_examined_without_consuming()
    {
        byte[] sent = [.. Enumerable.Range(0, 72).Select(i => (byte)i)];
        await _client.SendAsync(sent.AsMemory(0, 20), SocketFlags.None);
        await ExamineAsync(20);
        await _client.SendAsync(sent.AsMemory(20), SocketFlags.None);
        await ExamineAsync(72);

        using var detached = await _connection.DetachAsync();
        Assert.NotNull(detached);
        Assert.Equal(sent, System.Buffers.BuffersExtensions.ToArray(detached.Pending)); // all 72, not the 52 that came after the first look
    }

    [Fact]
    public async Task A_FIN_completes_the_input_and_keeps_the_connection_open_for_the_answer()
    {
        await _client.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), SocketFlags.None);
        _client.Shutdown(SocketShutdown.Send);
        var input = _connection.Transport.Input;
        System.IO.Pipelines.ReadResult result;
        do
        {
            result = await input.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
        while (!result.IsCompleted);

        Assert.Equal(18, result.Buffer.Length); // the request is all there, with the end of input
        await _connection.Transport.Output.WriteAsync("HTTP/1.1 200 OK\r\n\r\n"u8.ToArray());
        await _connection.Transport.Output.CompleteAsync();
        var answer = new byte[64];
        var read = await _client.ReceiveAsync(answer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("HTTP/1.1 200 OK\r\n\r\n", System.Text.Encoding.ASCII.GetString(answer, 0, read));
        Assert.True(await Infrastructure.Eventually.TrueAsync(() => _connection.ConnectionClosed.IsCancellationRequested, TimeSpan.FromSeconds(10))); // closed once the answer is out
    }

    [Fact]
    public async Task A_FIN_alone_does_not_signal_ConnectionClosed_but_a_reset_does()
    {
        _client.Shutdown(SocketShutdown.Send);
        var input = _connection.Transport.Input;
        var result = await input.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(result.IsCompleted);
        input.AdvanceTo(result.Buffer.End);
        await Task.Delay(200); // a FIN once queued the signal right after completing the input: give it time to show
        Assert.False(_connection.ConnectionClosed.IsCancellationRequested);

        // A second connection whose client resets: ConnectionClosed fires.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = _listener.AcceptAsync();
        await client.ConnectAsync(_listener.LocalEndPoint!);
        await using var reset = new EgressSocketConnection(await accept);
        reset.Start();
        client.LingerState = new LingerOption(true, 0);
        client.Close();
        Assert.True(await Infrastructure.Eventually.TrueAsync(() => reset.ConnectionClosed.IsCancellationRequested, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_hand_over_while_the_receive_loop_waits_for_room_loses_no_byte_and_keeps_the_order()
    {
        // Nobody reads the pipe: the receive loop fills it to its pause and waits in a flush; the kernel holds the rest.
        var sent = new byte[8 * EgressSocketConnection.InputPauseBytes];
        for (var i = 0; i < sent.Length; i++)
        {
            sent[i] = (byte)(i % 251);
        }

        var send = Task.Run(async () =>
        {
            await _client.SendAsync(sent, SocketFlags.None);
            _client.Shutdown(SocketShutdown.Send);
        });
        Assert.True(await Infrastructure.Eventually.TrueAsync(() => _connection.Transport.Input.TryRead(out var peek) && Peek(peek) >= EgressSocketConnection.InputPauseBytes, TimeSpan.FromSeconds(10)));

        using var detached = await _connection.DetachAsync();
        Assert.NotNull(detached);
        var pending = System.Buffers.BuffersExtensions.ToArray(detached.Pending);
        Assert.InRange(pending.Length, EgressSocketConnection.InputPauseBytes, EgressSocketConnection.InputPauseBytes + EgressSocketConnection.ReceiveSize);
        using var received = new MemoryStream();
        received.Write(pending);
        var buffer = new byte[65536];
        int read;
        while ((read = await detached.Socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10))) > 0)
        {
            received.Write(buffer, 0, read);
        }

        await send;
        Assert.Equal(sent, received.ToArray()); // the pipe's bytes, then the socket's, every one in order
    }

    /// <summary>The length of what a read saw, handed back neither consumed nor examined (examined bytes no longer count towards the pause).</summary>
    private long Peek(System.IO.Pipelines.ReadResult result)
    {
        _connection.Transport.Input.AdvanceTo(result.Buffer.Start);
        return result.Buffer.Length;
    }

    [Fact]
    public async Task Bytes_and_a_FIN_in_one_segment_are_handed_over_and_the_FIN_stays_visible_on_the_socket()
    {
        _client.NoDelay = false;
        await _client.SendAsync("CONNECT a:443 HTTP/1.1\r\n\r\nhello"u8.ToArray(), SocketFlags.None);
        _client.Shutdown(SocketShutdown.Send);
        await ExamineAsync(31);

        using var detached = await _connection.DetachAsync();
        Assert.NotNull(detached);
        Assert.Equal("CONNECT a:443 HTTP/1.1\r\n\r\nhello", System.Text.Encoding.ASCII.GetString(System.Buffers.BuffersExtensions.ToArray(detached.Pending)));
        Assert.Equal(0, await detached.Socket.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10))); // the client's FIN
    }

    [Fact]
    public async Task A_hand_over_after_an_abort_gets_nothing_and_gives_the_input_back()
    {
        await _client.SendAsync("pending"u8.ToArray(), SocketFlags.None);
        await ExamineAsync(7);
        _connection.Abort();

        Assert.Null(await _connection.DetachAsync());
        Assert.Throws<InvalidOperationException>(() => _connection.Transport.Input.TryRead(out _)); // completed: its segments went back to the pool
        Assert.Null(await _connection.DetachAsync()); // and only once
    }
}
