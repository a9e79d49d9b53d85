using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using YarpEgress.Transport;

namespace YarpEgress.Tunneling.Splice;

/// <summary>
/// One epoll readiness loop on its own thread, running the spliced tunnels it was given. Each tunnel's two sockets
/// are registered edge-triggered for in, out and read-hang-up once, and never modified: the tunnel keeps each
/// socket's readiness until a call answers EAGAIN, so no epoll_ctl is paid per state change. (The runtime keeps the
/// same descriptors in its own epoll, also edge-triggered; with no .NET operation pending on them, its events find
/// nothing to complete.) Other threads talk to the loop through a command queue and an eventfd. One timer per loop,
/// ticking every <see cref="Tick"/> while the loop has tunnels, serves the idle timeout, the lifetime and the close's
/// grace of all of them: no tunnel has a timer of its own.
/// </summary>
internal sealed unsafe class SpliceLoop : IDisposable
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a tunnel the gateway stops waits for each side's FIN after sending its own (the copier's grace).</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    public const int ScratchBytes = 64 * 1024;

    private const int MaxEvents = 256;
    private const ulong WakeToken = ulong.MaxValue;
    private const uint SocketEvents = Libc.EpollIn | Libc.EpollOut | Libc.EpollRdHup | Libc.EpollEt;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly ConcurrentQueue<(SpliceTunnel Tunnel, bool Cancel, PipePair? Spare)> _commands = new();
    private readonly List<SpliceTunnel> _ready = [];
    private readonly List<SpliceTunnel> _again = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly byte[] _scratch = GC.AllocateUninitializedArray<byte>(ScratchBytes, pinned: true);
    private readonly ITimer _timer;
    private readonly Thread _thread;
    private readonly Lock _wakeGate = new();
    private readonly Action<Exception> _fault;
    private SpliceTunnel?[] _slots = new SpliceTunnel?[64];
    private uint[] _generations = new uint[64];
    private int _slotCount;
    private int _live;
    private int _wakeRequested;
    private int _tickDue;
    private bool _ticking;
    private volatile bool _disposed;
    private bool _closed;
    private long _taken;

    private SpliceLoop(TimeProvider time, int epoll, int wake, int index, Action<Exception> fault)
    {
        Time = time;
        _fault = fault;
        _epoll = epoll;
        _wake = wake;
        Scratch = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_scratch, 0);
        _timer = time.CreateTimer(static state => ((SpliceLoop)state!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"Splice loop {index}" };
        _thread.UnsafeStart();
    }

    public TimeProvider Time { get; }

    /// <summary>Tunnels handed to this loop so far (tests check that a path really splices).</summary>
    public long Taken => Volatile.Read(ref _taken);

    public PipePool Pipes { get; } = new();

    /// <summary>The loop's clock, read once per batch of events.</summary>
    public long Now { get; private set; }

    /// <summary>Where discarded bytes would go (recv with MSG_TRUNC copies none).</summary>
    public byte* Scratch { get; }

    /// <summary>A loop, or null when this system gives no epoll or eventfd.</summary>
    public static SpliceLoop? TryCreate(TimeProvider time, int index, Action<Exception> fault)
    {
        var epoll = Libc.EpollCreate1(Libc.CloseOnExec);
        if (epoll < 0)
        {
            return null;
        }

        var wake = Libc.EventFd(0, Libc.NonBlocking | Libc.CloseOnExec);
        var at = stackalloc byte[16];
        EpollEvents.Write(at, Libc.EpollIn, WakeToken);
        if (wake < 0 || Libc.EpollCtl(epoll, Libc.EpollCtlAdd, wake, at) != 0)
        {
            _ = wake >= 0 ? Libc.Close(wake) : 0;
            _ = Libc.Close(epoll);
            return null;
        }

        return new SpliceLoop(time, epoll, wake, index, fault);
    }

    /// <summary>
    /// Hands a detached tunnel to the loop (on the caller's thread). Null at once, nothing moved, when no pipe can be
    /// had (out of descriptors) or a socket is already closed: the caller copies instead.
    /// </summary>
    public ValueTask<TunnelResult?> Start(DetachedSocket client, Socket upstream, ITunnelMeter? meter, TunnelTimeouts timeouts, int pipeBytes, CancellationToken cancellationToken)
    {
        Pipes.PipeBytes = pipeBytes;
        PipePair? spare = null;
        if (Pipes.Free == 0)
        {
            if (!PipePool.TryCreate(pipeBytes, out var pipe))
            {
                return default;
            }

            spare = pipe;
        }

        bool clientHeld = false, upstreamHeld = false;
        try
        {
            client.Socket.SafeHandle.DangerousAddRef(ref clientHeld);
            upstream.SafeHandle.DangerousAddRef(ref upstreamHeld);
        }
        catch (ObjectDisposedException)
        {
        }

        if (!clientHeld || !upstreamHeld || _disposed
            || !Libc.EnsureNonBlocking((int)client.Socket.SafeHandle.DangerousGetHandle()) || !Libc.EnsureNonBlocking((int)upstream.SafeHandle.DangerousGetHandle()))
        {
            if (clientHeld)
            {
                client.Socket.SafeHandle.DangerousRelease();
            }

            if (upstreamHeld)
            {
                upstream.SafeHandle.DangerousRelease();
            }

            if (spare is { } unused)
            {
                PipePool.Destroy(unused);
            }

            return default;
        }

        var tunnel = new SpliceTunnel(this, client, upstream, meter, timeouts, Time.GetTimestamp(), cancellationToken);
        Interlocked.Increment(ref _taken);
        tunnel.Register();
        _commands.Enqueue((tunnel, false, spare));
        Wake();
        return tunnel.Task;
    }

    /// <summary>From any thread: the tunnel's outer token fired.</summary>
    public void Post(SpliceTunnel tunnel, bool cancel)
    {
        _commands.Enqueue((tunnel, cancel, null));
        Wake();
    }

    /// <summary>The tunnel stopped for its budget with bytes still ready: run it in the next round without waiting.</summary>
    public void RunAgain(SpliceTunnel tunnel)
    {
        if (!tunnel.Queued)
        {
            tunnel.Queued = true;
            _again.Add(tunnel);
        }
    }

    /// <summary>Takes a finished tunnel's sockets out of epoll and frees its slot (loop thread).</summary>
    public void Remove(SpliceTunnel tunnel)
    {
        Deregister(tunnel.ClientFd);
        Deregister(tunnel.UpstreamFd);
        _slots[tunnel.Slot] = null;
        _freeSlots.Push(tunnel.Slot);
        tunnel.Slot = -1;
        _live--;
    }

    private void Loop()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EpollEvents.Size));
        try
        {
            while (!_disposed)
            {
                var count = Libc.EpollWait(_epoll, events, MaxEvents, _again.Count > 0 ? 0 : -1);
                if (count < 0 && Libc.Errno != Libc.EINTR)
                {
                    break;
                }

                Now = Time.GetTimestamp();
                _ready.AddRange(_again);
                _again.Clear();
                for (var i = 0; i < count; i++)
                {
                    Dispatch(EpollEvents.Data(events, i), EpollEvents.Events(events, i));
                }

                foreach (var tunnel in _ready)
                {
                    tunnel.Queued = false;
                    if (tunnel.Slot >= 0)
                    {
                        Guarded(tunnel, static t => t.Run());
                    }
                }

                _ready.Clear();
                if (Interlocked.Exchange(ref _tickDue, 0) != 0)
                {
                    Scan();
                }
            }
        }
        finally
        {
            NativeMemory.Free(events);
            Shutdown();
        }
    }

    private void Dispatch(ulong token, uint events)
    {
        if (token == WakeToken)
        {
            OnWake();
            return;
        }

        var slot = (int)((uint)token >> 1);
        var tunnel = slot < _slotCount ? _slots[slot] : null;
        if (tunnel is null || tunnel.Generation != (uint)(token >> 32))
        {
            return; // a tunnel that ended in this batch
        }

        tunnel.OnEvents(upstream: (token & 1) != 0, events);
        Enqueue(tunnel);
    }

    private void Enqueue(SpliceTunnel tunnel)
    {
        if (!tunnel.Queued)
        {
            tunnel.Queued = true;
            _ready.Add(tunnel);
        }
    }

    /// <summary>
    /// Empties the eventfd before clearing the flag, so a wake between the two is never lost: either it saw the flag
    /// still set and its command is drained below, or it writes the eventfd again after the clear.
    /// </summary>
    private void OnWake()
    {
        ulong value;
        _ = Libc.Read(_wake, (byte*)&value, sizeof(ulong));
        Volatile.Write(ref _wakeRequested, 0);
        while (_commands.TryDequeue(out var command))
        {
            if (command.Cancel)
            {
                command.Tunnel.Cancel();
            }
            else
            {
                Add(command.Tunnel, command.Spare);
            }
        }
    }

    private void Add(SpliceTunnel tunnel, PipePair? spare)
    {
        if (spare is { } pipe)
        {
            Pipes.Return(pipe);
        }

        var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _slotCount++;
        if (slot == _slots.Length)
        {
            Array.Resize(ref _slots, slot * 2);
            Array.Resize(ref _generations, slot * 2);
        }

        var generation = ++_generations[slot];
        var token = ((ulong)generation << 32) | ((ulong)(uint)slot << 1);
        if (!Register(tunnel.ClientFd, token))
        {
            _freeSlots.Push(slot);
            tunnel.NotTaken();
            return;
        }

        if (!Register(tunnel.UpstreamFd, token | 1))
        {
            Deregister(tunnel.ClientFd);
            _freeSlots.Push(slot);
            tunnel.NotTaken();
            return;
        }

        _slots[slot] = tunnel;
        tunnel.Slot = slot;
        tunnel.Generation = generation;
        _live++;
        if (!_ticking)
        {
            _ticking = true;
            _timer.Change(Tick, Tick);
        }

        if (tunnel.CancelRequested)
        {
            tunnel.Cancel();
        }
        else
        {
            Enqueue(tunnel); // readiness starts as "ready": the first calls find out
        }
    }

    private bool Register(int fd, ulong token)
    {
        var at = stackalloc byte[16];
        EpollEvents.Write(at, SocketEvents, token);
        return Libc.EpollCtl(_epoll, Libc.EpollCtlAdd, fd, at) == 0;
    }

    private void Deregister(int fd)
    {
        var at = stackalloc byte[16];
        _ = Libc.EpollCtl(_epoll, Libc.EpollCtlDel, fd, at);
    }

    /// <summary>The timer's round: every tunnel's timeouts; the timer parks while the loop has none.</summary>
    private void Scan()
    {
        var now = Time.GetTimestamp();
        Now = now;
        for (var i = 0; i < _slotCount; i++)
        {
            if (_slots[i] is { } tunnel)
            {
                Guarded(tunnel, t => t.Tick(now));
            }
        }

        if (_live == 0 && _ticking)
        {
            _ticking = false;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>A fault in one tunnel's code ends that tunnel (as cancelled, with a log line), never the loop.</summary>
    private void Guarded(SpliceTunnel tunnel, Action<SpliceTunnel> step)
    {
        try
        {
            step(tunnel);
        }
        catch (Exception ex)
        {
            _fault(ex);
            try
            {
                tunnel.Abandon();
            }
            catch (Exception again)
            {
                _fault(again);
            }
        }
    }

    private void OnTick()
    {
        Volatile.Write(ref _tickDue, 1);
        Wake();
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakeRequested, 1) == 0)
        {
            lock (_wakeGate)
            {
                if (!_closed)
                {
                    ulong one = 1;
                    _ = Libc.Write(_wake, (byte*)&one, sizeof(ulong));
                }
            }
        }
    }

    /// <summary>The loop is over (the gateway is disposed): every tunnel still here ends as cancelled.</summary>
    private void Shutdown()
    {
        for (var i = 0; i < _slotCount; i++)
        {
            _slots[i]?.Abandon();
        }

        while (_commands.TryDequeue(out var command))
        {
            if (!command.Cancel)
            {
                if (command.Spare is { } pipe)
                {
                    PipePool.Destroy(pipe);
                }

                command.Tunnel.NotTaken();
            }
        }

        Pipes.Dispose();
        _timer.Dispose();
        lock (_wakeGate)
        {
            _closed = true;
            _ = Libc.Close(_wake);
        }

        _ = Libc.Close(_epoll);
    }

    public void Dispose()
    {
        _disposed = true;
        Wake();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }
}
