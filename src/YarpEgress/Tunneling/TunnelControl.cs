using System.IO.Pipelines;
using System.Net.Sockets;

namespace YarpEgress.Tunneling;

/// <summary>
/// One tunnel's shared state, which both directions and the watchdog see: the stop signal and the first reason (and
/// exception) given for it, the last activity, the meter, and the stall watch. A direction that waits for its
/// destination to take bytes is not reading its source, so nothing would notice that source resetting (a client that
/// resets while the upstream reads nothing): while a send waits, <see cref="StallWatch"/> polls the source for a
/// pending error.
/// </summary>
internal sealed class TunnelControl(ITunnelMeter? meter, TimeProvider time, CancellationToken outer) : IDisposable
{
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
    private readonly CancellationTokenSource _finished = new();
    private readonly StallWatch _stalls = new(time);
    private long _lastActivity = time.GetTimestamp();
    private int _stopReason = -1;
    private Exception? _error;

    /// <summary>Set once something stopped the tunnel: a side's failure, the watchdog or the stall watch (not the drain).</summary>
    public TunnelEnd? StopReason => Volatile.Read(ref _stopReason) is var reason and >= 0 ? (TunnelEnd)reason : null;

    /// <summary>The exception that came with <see cref="StopReason"/>, if any.</summary>
    public Exception? Error => Volatile.Read(ref _error);

    /// <summary>Fires when the tunnel is stopped, or the outer token (drain) fires.</summary>
    public CancellationToken Token => _stop.Token;

    public TimeProvider Time => time;

    /// <summary>Both directions are done: the watchdog returns.</summary>
    public void Finish() => _finished.Cancel();

    /// <summary>Ends the tunnel when it has been silent for the idle timeout, or has lived its lifetime.</summary>
    public async Task WatchAsync(TunnelTimeouts timeouts)
    {
        var start = time.GetTimestamp();
        var interval = TimeSpan.FromTicks(Math.Clamp(timeouts.Idle.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(30).Ticks));
        if (timeouts.Lifetime is { } lifetime && lifetime < interval)
        {
            interval = lifetime;
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(_finished.Token, _stop.Token);
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, done.Token);
                var now = time.GetTimestamp();
                if (timeouts.Lifetime is { } max && time.GetElapsedTime(start, now) >= max)
                {
                    Stop(TunnelEnd.LifetimeExceeded);
                    return;
                }

                if (time.GetElapsedTime(Volatile.Read(ref _lastActivity), now) >= timeouts.Idle)
                {
                    Stop(TunnelEnd.IdleTimeout);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops both directions; the first reason given (with its exception) is the one the tunnel ends with.</summary>
    public void Stop(TunnelEnd reason, Exception? error = null)
    {
        if (Interlocked.CompareExchange(ref _stopReason, (int)reason, -1) == -1)
        {
            Volatile.Write(ref _error, error);
        }

        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the tunnel is already over
        }
    }

    /// <summary><paramref name="bytes"/> reached their destination: the tunnel is active, the meter counts them.</summary>
    public void Moved(int bytes, bool upload)
    {
        Volatile.Write(ref _lastActivity, time.GetTimestamp());
        if (upload)
        {
            meter?.FromClient(bytes);
        }
        else
        {
            meter?.ToClient(bytes);
        }
    }

    /// <summary>
    /// Sends every byte of <paramref name="data"/> to <paramref name="to"/>; while a send waits, <paramref name="source"/>
    /// (the socket this direction copies from, if it has one) is polled for a reset.
    /// </summary>
    public async ValueTask SendAllAsync(Socket to, ReadOnlyMemory<byte> data, Socket? source, bool upload)
    {
        while (!data.IsEmpty)
        {
            var send = to.SendAsync(data, SocketFlags.None, Token);
            var stalled = !send.IsCompleted && source is not null && _stalls.Begin(upload, source, this);
            try
            {
                data = data[await send..];
            }
            finally
            {
                if (stalled)
                {
                    _stalls.End(upload);
                }
            }
        }
    }

    /// <summary>Flushes what a download wrote to the client's pipe; while the flush waits, <paramref name="source"/> is polled for a reset.</summary>
    public async ValueTask<FlushResult> FlushAsync(PipeWriter output, Socket source)
    {
        var flush = output.FlushAsync(Token);
        var stalled = !flush.IsCompleted && _stalls.Begin(upload: false, source, this);
        try
        {
            return await flush;
        }
        finally
        {
            if (stalled)
            {
                _stalls.End(upload: false);
            }
        }
    }

    public void Dispose()
    {
        _stalls.Dispose();
        _stop.Dispose();
        _finished.Dispose();
    }
}
