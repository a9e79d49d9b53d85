using System.Net.Sockets;
using YarpEgress.Diagnostics;
using YarpEgress.Transport;

namespace YarpEgress.Tunneling.Splice;

/// <summary>
/// The splice engine's door: relays a detached tunnel (client socket to upstream socket, both plain TCP) with
/// <c>splice(2)</c> on Linux, with the copier's semantics and <see cref="TunnelResult"/>. Its loops (one per four
/// cores, at least one and at most four; tunnels are dealt round-robin) start with the first tunnel. Where it cannot
/// take a tunnel (not Linux, <c>Egress:Tunnels:Splice</c> off, no epoll, no pipe to be had) the result is null at
/// once, with nothing moved, and the caller copies instead.
/// </summary>
internal sealed partial class SpliceRelay(TimeProvider time, Func<SpliceSettings> settings, ILogger<SpliceRelay> logger) : IDisposable
{
    /// <summary>A loop splices at well over a core's worth of loopback traffic: more loops than that only take cores from Kestrel.</summary>
    public static readonly int LoopCount = Math.Clamp(Environment.ProcessorCount / 4, 1, 4);

    private readonly Lock _gate = new();
    private SpliceLoop[]? _loops;
    private bool _unavailable;
    private uint _next;

    public static bool IsSupported => OperatingSystem.IsLinux() && EpollEvents.Supported;

    /// <summary>Tunnels the loops have taken so far.</summary>
    public long Taken
    {
        get
        {
            long taken = 0;
            foreach (var loop in Volatile.Read(ref _loops) ?? [])
            {
                taken += loop.Taken;
            }

            return taken;
        }
    }

    /// <summary>
    /// Relays until both directions are done, a side resets, the tunnel idles or outlives <paramref name="timeouts"/>,
    /// or <paramref name="cancellationToken"/> fires; the client's pending bytes go upstream first. Null: not taken.
    /// </summary>
    public ValueTask<TunnelResult?> RelayAsync(DetachedSocket client, Socket upstream, ITunnelMeter? meter, TunnelTimeouts timeouts, CancellationToken cancellationToken)
    {
        var current = settings();
        if (!current.Enabled || !IsSupported || Loops() is not { } loops)
        {
            return default;
        }

        var loop = loops[Interlocked.Increment(ref _next) % (uint)loops.Length];
        return loop.Start(client, upstream, meter, timeouts, current.PipeBytes, cancellationToken);
    }

    private SpliceLoop[]? Loops()
    {
        if (Volatile.Read(ref _loops) is { } ready)
        {
            return ready;
        }

        lock (_gate)
        {
            if (_loops is null && !_unavailable)
            {
                var loops = new SpliceLoop[LoopCount];
                for (var i = 0; i < loops.Length; i++)
                {
                    if (SpliceLoop.TryCreate(time, i, ex => LogFault(logger, ex)) is not { } loop)
                    {
                        _unavailable = true;
                        LogUnavailable(logger, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
                        foreach (var created in loops.AsSpan(0, i))
                        {
                            created.Dispose();
                        }

                        return null;
                    }

                    loops[i] = loop;
                }

                Volatile.Write(ref _loops, loops);
            }

            return _loops;
        }
    }

    public void Dispose()
    {
        SpliceLoop[]? loops;
        lock (_gate)
        {
            loops = _loops;
            _loops = null;
            _unavailable = true;
        }

        foreach (var loop in loops ?? [])
        {
            loop.Dispose();
        }
    }

    [LoggerMessage(EventId = LogEvents.SpliceFault, EventName = nameof(LogEvents.SpliceFault), Level = LogLevel.Error, Message = "Splice loop: a tunnel failed and was closed")]
    private static partial void LogFault(ILogger logger, Exception exception);

    [LoggerMessage(EventId = LogEvents.SpliceUnavailable, EventName = nameof(LogEvents.SpliceUnavailable), Level = LogLevel.Warning, Message = "Splice engine unavailable (epoll or eventfd failed, errno {Errno}): tunnels are copied instead")]
    private static partial void LogUnavailable(ILogger logger, int errno);
}
