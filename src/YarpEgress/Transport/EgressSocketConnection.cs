using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace YarpEgress.Transport;

/// <summary>
/// One accepted TCP connection as Kestrel sees it: a receive loop fills the input pipe and a send loop drains the
/// output pipe, as in Kestrel's own socket transport, except that a tunnel can detach the socket from both loops
/// (<see cref="ISocketDetachFeature"/>) once it has read its CONNECT head or peeked its ClientHello through the pipe.
/// The receive loop waits for data with a zero-byte receive before it takes a buffer, so an idle connection holds none.
/// A FIN from the client completes the input pipe and nothing else: the request already in it is answered, the output
/// still goes out. <see cref="ConnectionClosed"/> fires when the connection is really gone: a reset, an abort, the
/// socket closed.
/// </summary>
internal sealed class EgressSocketConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature,
    IConnectionEndPointFeature, IConnectionSocketFeature, IMemoryPoolFeature, ISocketDetachFeature, IHttpResetFeature, IClientSendFeature
{
    /// <summary>The most one receive takes: bigger than Kestrel's 4 KiB blocks, so request bodies need fewer syscalls.</summary>
    internal const int ReceiveSize = 16 * 1024;

    /// <summary>
    /// The most the input pipe holds unread before the receive loop waits (beyond bytes a head or ClientHello reader
    /// examined, which its own cap bounds): what a client can push ahead of its tunnel or of Kestrel's reads costs at
    /// most this plus one receive per connection. The socket's kernel buffer still takes bursts.
    /// </summary>
    internal const int InputPauseBytes = 4 * ReceiveSize;

    private static readonly PipeOptions InputOptions = new(pauseWriterThreshold: InputPauseBytes, resumeWriterThreshold: InputPauseBytes / 2, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
    private static readonly PipeOptions OutputOptions = new(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
    private static long s_lastId;

    private readonly Socket _socket;
    private readonly Pipe _input = new(InputOptions);
    private readonly Pipe _output = new(OutputOptions);
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenSource _stopReceiving = new();
    private readonly long _id = Interlocked.Increment(ref s_lastId);
    private string? _connectionId;
    private IDictionary<object, object?>? _items;
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private ConnectionAbortedException? _abortReason;
    private int _detached;
    private int _socketClosed;
    private int _reset;
    private int _closedFired;

    public EgressSocketConnection(Socket socket)
    {
        _socket = socket;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        ConnectionClosed = _closed.Token;
        Features = new FeatureCollection();
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
        Features.Set<IConnectionSocketFeature>(this);
        Features.Set<IMemoryPoolFeature>(this);
        Features.Set<ISocketDetachFeature>(this);
        Features.Set<IHttpResetFeature>(this);
        Features.Set<IClientSendFeature>(this);
    }

    public override string ConnectionId
    {
        get => _connectionId ??= $"egress-{_id}";
        set => _connectionId = value;
    }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public Socket Socket => _socket;

    public MemoryPool<byte> MemoryPool => MemoryPool<byte>.Shared;

    private bool Detached => Volatile.Read(ref _detached) != 0;

    public void Start()
    {
        _receiving = ReceiveAsync();
        _sending = SendAsync();
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        _abortReason ??= abortReason;
        _output.Reader.CancelPendingRead();
        CloseSocket();
    }

    public override void Abort() => Abort(new ConnectionAbortedException("The connection was aborted by the application."));

    /// <summary>
    /// Ends the connection with a TCP reset and no FIN. YARP calls this (it looks for <see cref="IHttpResetFeature"/>
    /// before it aborts) when a response fails after its head was sent: a FIN would end a response framed by the close
    /// (HTTP/1.0, no Content-Length) as if it were complete; a reset tells the client it is not.
    /// </summary>
    void IHttpResetFeature.Reset(int errorCode)
    {
        Interlocked.Exchange(ref _reset, 1);
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        Abort(new ConnectionAbortedException("The response failed after it had started."));
    }

    ValueTask IClientSendFeature.SendNowAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        ClientSend.SendNowAsync(_socket, bytes, cancellationToken);

    Task IClientSendFeature.SendFinalAsync(ReadOnlyMemory<byte> bytes, TimeProvider time) =>
        ClientSend.SendFinalAsync(_socket, Transport.Input, bytes, time);

    public async ValueTask<DetachedSocket?> DetachAsync()
    {
        if (Interlocked.Exchange(ref _detached, 1) != 0)
        {
            return null;
        }

        if (Volatile.Read(ref _socketClosed) != 0)
        {
            _input.Reader.Complete(); // aborted meanwhile; the input is now this method's to give back
            return null;
        }

        // The receive loop waits in a zero-byte receive whenever the pipe has what arrived: cancelling it loses nothing.
        // A flush waiting for room (the client sent more than the pipe holds) is cancelled too; its bytes are committed.
        _stopReceiving.Cancel();
        _input.Writer.CancelPendingFlush();
        await _receiving;
        _output.Writer.Complete();
        await _sending;

        // Completing the writer (the loop did already at a FIN or reset) makes the read below see every byte received:
        // without it, a pipe whose bytes were all examined by a reader that waited for more (a ClientHello arriving
        // in pieces) reads as empty. A FIN that already arrived stays visible: the socket's next receive returns 0.
        _input.Writer.Complete();
        try
        {
            if (_input.Reader.TryRead(out var result))
            {
                return new DetachedSocket(_socket, _input.Reader, result.Buffer);
            }
        }
        catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException)
        {
            // the client reset while its head was handled
        }

        _input.Reader.Complete();
        return null;
    }

    public override async ValueTask DisposeAsync()
    {
        _output.Writer.Complete();
        if (!Detached)
        {
            _input.Reader.Complete(); // a detached socket's input belongs to its DetachedSocket
        }

        CloseSocket();
        await _receiving;
        await _sending;

        // The token sources have no timers and stay undisposed: a queued ConnectionClosed callback may still run.
    }

    private async Task ReceiveAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, _stopReceiving.Token);
                var received = await _socket.ReceiveAsync(writer.GetMemory(ReceiveSize), SocketFlags.None);
                if (received == 0)
                {
                    break; // the client's FIN
                }

                writer.Advance(received);
                // No token here: a flush cancelled by a token returns before committing what was received.
                var flush = await writer.FlushAsync();
                if (flush.IsCanceled && _stopReceiving.IsCancellationRequested)
                {
                    return; // detached
                }

                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_stopReceiving.IsCancellationRequested)
        {
            return; // detached: the tunnel owns the socket and reads what the pipe still holds
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            error = new ConnectionResetException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            error = _abortReason ?? new ConnectionAbortedException("The connection was closed.", ex);
        }

        await writer.CompleteAsync(error);
        if (error is not null && !Detached)
        {
            FireConnectionClosed(); // a reset; a FIN only ended the input
        }
    }

    private async Task SendAsync()
    {
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                if (result.IsCanceled)
                {
                    break;
                }

                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await _socket.SendAllAsync(segment, CancellationToken.None);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            _abortReason ??= new ConnectionAbortedException("The client stopped receiving.", ex);
        }

        await reader.CompleteAsync();
        if (!Detached)
        {
            // The application completed its output (or the client went away): the connection is over, both ways.
            CloseSocket();
        }
    }

    private void CloseSocket()
    {
        if (Interlocked.Exchange(ref _socketClosed, 1) != 0)
        {
            return;
        }

        if (!Detached && Volatile.Read(ref _reset) == 0)
        {
            // A detached tunnel has passed each side's FIN on already (or reset it): closing is enough, one syscall less.
            // A reset connection must not send a FIN first: its close with linger 0 sends the RST.
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }

        _socket.Dispose();
        FireConnectionClosed();
    }

    private void FireConnectionClosed()
    {
        if (Interlocked.Exchange(ref _closedFired, 1) == 0)
        {
            // Callbacks of ConnectionClosed run off the caller's loop, as in Kestrel.
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Cancel(), _closed, preferLocal: false);
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
