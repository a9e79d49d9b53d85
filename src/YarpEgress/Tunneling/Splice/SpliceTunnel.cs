using System.Buffers;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using YarpEgress.Transport;

namespace YarpEgress.Tunneling.Splice;

/// <summary>
/// One spliced tunnel: the copier's semantics as a state machine that its loop runs whenever epoll reports one of its
/// sockets. The client's pending bytes go upstream first (a plain nonblocking send); then each direction splices
/// source to pipe to destination, a FIN passed on as <c>shutdown(SHUT_WR)</c> once the pipe is drained; both
/// directions done is <see cref="TunnelEnd.Closed"/>. An error on a socket resets the other one. An EPOLLERR on a
/// source that is not being read (its pipe waits for a destination that takes nothing) is that side's reset, as the
/// copier's stall watch would find it. The loop's coarse timer ends idle and over-age tunnels, which, like cancelled
/// ones, close in order: a FIN each way, then what still arrives is dropped until each side's FIN or the grace.
/// Its result is the tunnel's <see cref="TunnelResult"/>, or null when the loop could not take it (nothing moved).
/// </summary>
internal sealed unsafe class SpliceTunnel : IValueTaskSource<TunnelResult?>
{
    private readonly SpliceLoop _loop;
    private readonly Socket _clientSocket;
    private readonly Socket _upstreamSocket;
    private readonly ITunnelMeter? _meter;
    private readonly TunnelTimeouts _timeouts;
    private readonly CancellationToken _token;
    private readonly long _start;
    private DetachedSocket? _detached;
    private ReadOnlySequence<byte> _pending;
    private SpliceSide _client;
    private SpliceSide _upstream;
    private SpliceDirection _up;
    private SpliceDirection _down;
    private CancellationTokenRegistration _cancel;
    private ManualResetValueTaskSourceCore<TunnelResult?> _completion;
    private long _lastActivity;
    private long _closingSince;
    private TunnelEnd? _closing;
    private int _cancelRequested;

    public SpliceTunnel(SpliceLoop loop, DetachedSocket client, Socket upstream, ITunnelMeter? meter, TunnelTimeouts timeouts, long start, CancellationToken token)
    {
        _loop = loop;
        _clientSocket = client.Socket;
        _upstreamSocket = upstream;
        _detached = client;
        _pending = client.Pending;
        _meter = meter;
        _timeouts = timeouts;
        _token = token;
        _start = start;
        _lastActivity = start;
        _client = new SpliceSide((int)client.Socket.SafeHandle.DangerousGetHandle());
        _upstream = new SpliceSide((int)upstream.SafeHandle.DangerousGetHandle());
        _completion.RunContinuationsAsynchronously = true; // never the caller's code on the loop's thread
    }

    /// <summary>The loop's slot of this tunnel while it runs, else -1; tokens of its epoll registrations carry it.</summary>
    public int Slot { get; set; } = -1;

    public uint Generation { get; set; }

    /// <summary>Already in the loop's list of tunnels to run after this batch of events.</summary>
    public bool Queued { get; set; }

    public int ClientFd => _client.Fd;

    public int UpstreamFd => _upstream.Fd;

    public bool CancelRequested => Volatile.Read(ref _cancelRequested) != 0;

    public ValueTask<TunnelResult?> Task => new(this, _completion.Version);

    /// <summary>Watches the outer token; a cancellation reaches the loop as a command.</summary>
    public void Register() =>
        _cancel = _token.UnsafeRegister(static state =>
        {
            var tunnel = (SpliceTunnel)state!;
            Volatile.Write(ref tunnel._cancelRequested, 1);
            tunnel._loop.Post(tunnel, cancel: true);
        }, this);

    public void OnEvents(bool upstream, uint events)
    {
        if (upstream)
        {
            _upstream.Update(events);
        }
        else
        {
            _client.Update(events);
        }
    }

    /// <summary>Moves what the sockets' readiness allows, and ends the tunnel when that is what happened.</summary>
    public void Run()
    {
        if (_closing is not null)
        {
            Discard();
            return;
        }

        var end = SendPending();
        if (end is null && _detached is null)
        {
            end = Progress(ref _up, ref _client, ref _upstream, upload: true);
        }

        end ??= Progress(ref _down, ref _upstream, ref _client, upload: false);
        if (end is { } reset)
        {
            Finish(reset);
        }
        else if (_up.Done && _down.Done)
        {
            Finish(_token.IsCancellationRequested ? TunnelEnd.Cancelled : TunnelEnd.Closed);
        }
    }

    /// <summary>The loop's coarse timer: lifetime, then idleness (as the copier's watchdog), the close's grace, pipe retries.</summary>
    public void Tick(long now)
    {
        var time = _loop.Time;
        if (_closing is { } reason)
        {
            if (time.GetElapsedTime(_closingSince, now) >= SpliceLoop.CloseGrace)
            {
                Finish(reason);
            }
        }
        else if (_timeouts.Lifetime is { } lifetime && time.GetElapsedTime(_start, now) >= lifetime)
        {
            StartClosing(TunnelEnd.LifetimeExceeded);
        }
        else if (time.GetElapsedTime(_lastActivity, now) >= _timeouts.Idle)
        {
            StartClosing(TunnelEnd.IdleTimeout);
        }
        else if (_up.WaitingForPipe || _down.WaitingForPipe)
        {
            Run();
        }
    }

    /// <summary>The outer token fired (shutdown drain): close in order, as the copier does.</summary>
    public void Cancel()
    {
        if (Slot >= 0 && _closing is null)
        {
            StartClosing(TunnelEnd.Cancelled);
        }
    }

    /// <summary>The loop stops (the gateway is disposed) or faulted on this tunnel: it ends as cancelled, at once.</summary>
    public void Abandon()
    {
        if (Slot >= 0)
        {
            Finish(TunnelEnd.Cancelled);
        }
    }

    /// <summary>The loop could not register the sockets: nothing moved, the caller copies instead.</summary>
    public void NotTaken()
    {
        _cancel.Unregister();
        ReleaseSockets();
        _completion.SetResult(null);
    }

    /// <summary>The client's bytes that arrived before the hand-over, straight from the transport's pipe segments.</summary>
    private TunnelEnd? SendPending()
    {
        while (!_pending.IsEmpty)
        {
            if (!_upstream.Writable)
            {
                return _client.Error ? TunnelEnd.ClientReset : null;
            }

            var segment = _pending.First;
            if (segment.IsEmpty)
            {
                var next = _pending.Start;
                _pending.TryGet(ref next, out _, advance: true);
                _pending = _pending.Slice(next);
                continue;
            }

            nint sent;
            fixed (byte* bytes = segment.Span)
            {
                sent = Libc.Send(_upstream.Fd, bytes, (nuint)segment.Length, Libc.MsgDontWait | Libc.MsgNoSignal);
            }

            if (sent > 0)
            {
                _pending = _pending.Slice(sent);
                _up.Total += sent;
                Moved((int)sent, upload: true);
                continue;
            }

            var errno = Libc.Errno;
            if (errno == Libc.EAGAIN)
            {
                _upstream.Writable = false;
            }
            else if (errno != Libc.EINTR)
            {
                return TunnelEnd.UpstreamReset;
            }
        }

        ReleasePending();
        return null;
    }

    /// <summary>One direction's progress; its failed side, if any, named as the tunnel's end.</summary>
    private TunnelEnd? Progress(ref SpliceDirection direction, ref SpliceSide source, ref SpliceSide destination, bool upload)
    {
        var failed = direction.Progress(ref source, ref destination, _loop.Pipes, out var moved);
        if (moved > 0)
        {
            Moved(moved, upload);
        }

        if (direction.MoreReady)
        {
            _loop.RunAgain(this);
        }

        return failed switch
        {
            null => null,
            FailedSide.Source => upload ? TunnelEnd.ClientReset : TunnelEnd.UpstreamReset,
            _ => upload ? TunnelEnd.UpstreamReset : TunnelEnd.ClientReset,
        };
    }

    private void Moved(int bytes, bool upload)
    {
        _lastActivity = _loop.Now;
        if (upload)
        {
            _meter?.FromClient(bytes);
        }
        else
        {
            _meter?.ToClient(bytes);
        }
    }

    /// <summary>A FIN to each side, bytes in flight dropped; then <see cref="Discard"/> until both FINs or the grace.</summary>
    private void StartClosing(TunnelEnd reason)
    {
        _closing = reason;
        _closingSince = _loop.Now;
        ReleasePending();
        _up.ReleasePipe(_loop.Pipes);
        _down.ReleasePipe(_loop.Pipes);
        _ = Libc.Shutdown(_upstream.Fd, Libc.ShutWr);
        _ = Libc.Shutdown(_client.Fd, Libc.ShutWr);
        Discard();
    }

    /// <summary>Reads and drops what a closing tunnel's sides still send (MSG_TRUNC: the kernel copies nothing).</summary>
    private void Discard()
    {
        DiscardFrom(ref _client);
        DiscardFrom(ref _upstream);
        if (_client.Drained && _upstream.Drained)
        {
            Finish(_closing!.Value);
        }
    }

    private void DiscardFrom(ref SpliceSide side)
    {
        var scratch = _loop.Scratch;
        while (!side.Drained && side.Readable)
        {
            var read = Libc.Recv(side.Fd, scratch, SpliceLoop.ScratchBytes, Libc.MsgTrunc | Libc.MsgDontWait);
            if (read > 0)
            {
                continue;
            }

            var errno = read == 0 ? 0 : Libc.Errno;
            if (errno == Libc.EAGAIN)
            {
                side.Readable = false;
            }
            else if (errno != Libc.EINTR)
            {
                side.Drained = true; // the FIN, or a reset
            }
        }
    }

    private void Finish(TunnelEnd end)
    {
        _loop.Remove(this);
        ReleasePending();
        _up.ReleasePipe(_loop.Pipes);
        _down.ReleasePipe(_loop.Pipes);
        _cancel.Unregister();
        ReleaseSockets();
        if (end == TunnelEnd.ClientReset)
        {
            Reset(_upstreamSocket);
        }
        else if (end == TunnelEnd.UpstreamReset)
        {
            Reset(_clientSocket);
        }

        _completion.SetResult(new TunnelResult(_up.Total, _down.Total, end));
    }

    /// <summary>Close with RST rather than FIN (SO_LINGER 0), as the copier does, so the other side learns it was not an orderly end.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    private void ReleasePending()
    {
        _pending = ReadOnlySequence<byte>.Empty;
        Interlocked.Exchange(ref _detached, null)?.ReleasePending();
    }

    /// <summary>The descriptors were held open (a reference on each handle) while the loop used them.</summary>
    private void ReleaseSockets()
    {
        _clientSocket.SafeHandle.DangerousRelease();
        _upstreamSocket.SafeHandle.DangerousRelease();
    }

    TunnelResult? IValueTaskSource<TunnelResult?>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<TunnelResult?>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<TunnelResult?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
