using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using YarpEgress.Tunneling;

namespace YarpEgress.Transport;

/// <summary>
/// One accepted TCP connection as Kestrel sees it: a receive loop fills the input pipe and a send loop drains the
/// output pipe, as in Kestrel's own socket transport, except that a tunnel can detach the socket from both loops
/// (<see cref="ISocketDetachFeature"/>) once it has read its CONNECT head or peeked its ClientHello through the pipe.
/// The receive loop waits for data with a zero-byte receive before it takes a buffer, so an idle connection holds none.
/// </summary>
internal sealed class EgressSocketConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature,
    IConnectionEndPointFeature, IConnectionSocketFeature, IMemoryPoolFeature, ISocketDetachFeature, IHttpResetFeature
{
    /// <summary>The most one receive takes: bigger than Kestrel's 4 KiB blocks, so request bodies need fewer syscalls.</summary>
    private const int ReceiveSize = 16 * 1024;

    private static readonly PipeOptions InputOptions = new(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
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

    public async ValueTask<DetachedSocket?> DetachAsync()
    {
        if (Interlocked.Exchange(ref _detached, 1) != 0 || Volatile.Read(ref _socketClosed) != 0)
        {
            return null;
        }

        // The receive loop waits in a zero-byte receive whenever the pipe has what arrived: cancelling it loses nothing.
        // A flush waiting for room (the client sent more than the pipe holds) is cancelled too; its bytes are committed.
        _stopReceiving.Cancel();
        _input.Writer.CancelPendingFlush();
        await _receiving;
        _output.Writer.Complete();
        await _sending;

        byte[]? pending = null;
        var length = 0;
        try
        {
            if (_input.Reader.TryRead(out var result))
            {
                length = checked((int)result.Buffer.Length);
                if (length > 0)
                {
                    pending = ArrayPool<byte>.Shared.Rent(length);
                    result.Buffer.CopyTo(pending);
                }

                _input.Reader.AdvanceTo(result.Buffer.End);
            }
        }
        catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException)
        {
            return null; // the client reset while its head was handled
        }

        // Both ends of both pipes complete, so the pipes give their segments back to the pool for the tunnel's
        // lifetime. A FIN that already arrived stays visible: the socket's next receive returns 0.
        _input.Writer.Complete();
        _input.Reader.Complete();
        return new DetachedSocket(_socket, pending, length);
    }

    public override async ValueTask DisposeAsync()
    {
        _output.Writer.Complete();
        _input.Reader.Complete();
        CloseSocket();
        await _receiving;
        await _sending;
        if (Detached)
        {
            _closed.Cancel();
        }

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
        if (!Detached)
        {
            // Callbacks of ConnectionClosed run off this loop, as in Kestrel.
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Cancel(), _closed, preferLocal: false);
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
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
