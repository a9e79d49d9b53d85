using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using YarpEgress.Transport;

namespace YarpEgress.Tunneling;

/// <summary>
/// One tunnel's two directions and their shared state: the stop signal both directions and the watchdog share, the
/// last activity, and the stall watch. A direction that waits for its destination to take bytes is not reading its
/// source, so nothing would notice that source resetting (a client that resets while the upstream reads nothing):
/// while a send waits, <see cref="StallWatch"/> polls the source for a pending error.
/// </summary>
internal sealed class TunnelRelay(Socket upstream, Socket? clientWatch, ITunnelMeter? meter, TimeProvider time, CancellationToken outer) : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
    private readonly CancellationTokenSource _finished = new();
    private readonly StallWatch _stalls = new(time);
    private long _lastActivity = time.GetTimestamp();
    private int _stopReason = -1;

    /// <summary>Set when the watchdog or the stall watch, not a direction itself, ended the tunnel.</summary>
    public TunnelEnd? StopReason => _stopReason < 0 ? null : (TunnelEnd)_stopReason;

    private CancellationToken Token => _stop.Token;

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

    /// <summary>Stops both directions; the first reason given is the one the tunnel ends with.</summary>
    public void Stop(TunnelEnd reason)
    {
        Interlocked.CompareExchange(ref _stopReason, (int)reason, -1);
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the tunnel is already over
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivity, time.GetTimestamp());

    /// <summary>
    /// One direction, socket to socket: the bytes <paramref name="first"/> holds (received before the tunnel), then
    /// whatever <paramref name="from"/> receives, until its FIN, which is passed on as a FIN to <paramref name="to"/>.
    /// An error on either socket stops both directions.
    /// </summary>
    public async Task<(long Bytes, TunnelEnd End)> CopyAsync(Socket from, Socket to, DetachedSocket? first, bool upload)
    {
        var (fromReset, toReset) = upload ? (TunnelEnd.ClientReset, TunnelEnd.UpstreamReset) : (TunnelEnd.UpstreamReset, TunnelEnd.ClientReset);
        var pending = first?.Pending ?? ReadOnlySequence<byte>.Empty;
        long total = 0;
        while (true)
        {
            byte[]? buffer = null;
            var stage = fromReset;
            try
            {
                ReadOnlyMemory<byte> chunk;
                if (!pending.IsEmpty)
                {
                    chunk = pending.First;
                    pending = pending.Slice(chunk.Length);
                }
                else
                {
                    first?.ReleasePending(); // sent: the transport's pipe segments go back to the pool
                    first = null;
                    await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, Token);
                    buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, Token);
                    if (read == 0)
                    {
                        TryShutdownSend(to);
                        return (total, TunnelEnd.Closed);
                    }

                    chunk = buffer.AsMemory(0, read);
                }

                stage = toReset;
                var rest = chunk;
                while (!rest.IsEmpty)
                {
                    var send = to.SendAsync(rest, SocketFlags.None, Token);
                    var stalled = !send.IsCompleted && _stalls.Begin(upload, from, this);
                    try
                    {
                        rest = rest[await send..];
                    }
                    finally
                    {
                        if (stalled)
                        {
                            _stalls.End(upload);
                        }
                    }
                }

                total += chunk.Length;
                Moved(chunk.Length, upload);
            }
            catch (OperationCanceledException)
            {
                return (total, TunnelEnd.Cancelled);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                Stop(stage);
                return (total, StopReason ?? stage);
            }
            finally
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    private void Moved(int bytes, bool upload)
    {
        Touch();
        if (upload)
        {
            meter?.FromClient(bytes);
        }
        else
        {
            meter?.ToClient(bytes);
        }
    }

    /// <summary>The portable upload, for transports that keep their socket (TLS terminated): the client's input pipe to the upstream.</summary>
    public async Task<(long Bytes, TunnelEnd End)> UploadAsync(PipeReader input)
    {
        long total = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(Token);
            }
            catch (OperationCanceledException)
            {
                return (total, TunnelEnd.Cancelled);
            }
            catch (Exception)
            {
                Stop(TunnelEnd.ClientReset);
                return (total, TunnelEnd.ClientReset);
            }

            var buffer = result.Buffer;
            try
            {
                await SendAsync(buffer);
            }
            catch (OperationCanceledException)
            {
                return (total, TunnelEnd.Cancelled);
            }
            catch (SocketException)
            {
                Stop(TunnelEnd.UpstreamReset);
                return (total, TunnelEnd.UpstreamReset);
            }

            total += buffer.Length;
            if (!buffer.IsEmpty)
            {
                Touch();
                meter?.FromClient((int)buffer.Length);
            }

            input.AdvanceTo(buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                TryShutdownSend(upstream);
                return (total, result.IsCanceled ? TunnelEnd.Cancelled : TunnelEnd.Closed);
            }
        }
    }

    /// <summary>
    /// Sends what the client's pipe holds. The transport fills it in blocks, so a multi-block read is copied into a
    /// pooled 64 KiB buffer and sent in as few sends (syscalls) as that takes, not one send per block.
    /// </summary>
    private async ValueTask SendAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            await SendWatchedAsync(buffer.First);
            return;
        }

        var chunk = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (!buffer.IsEmpty)
            {
                var length = (int)Math.Min(buffer.Length, chunk.Length);
                buffer.Slice(0, length).CopyTo(chunk);
                await SendWatchedAsync(chunk.AsMemory(0, length));
                buffer = buffer.Slice(length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private async ValueTask SendWatchedAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var send = upstream.SendAsync(data, SocketFlags.None, Token);
            var stalled = !send.IsCompleted && clientWatch is not null && _stalls.Begin(upload: true, clientWatch, this);
            try
            {
                data = data[await send..];
            }
            finally
            {
                if (stalled)
                {
                    _stalls.End(upload: true);
                }
            }
        }
    }

    /// <summary>The portable download, for transports without a socket: no half-close towards the client.</summary>
    public async Task<(long Bytes, TunnelEnd End)> DownloadToPipeAsync(PipeWriter output)
    {
        long total = 0;
        try
        {
            while (true)
            {
                await upstream.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, Token);
                var memory = output.GetMemory(BufferSize);
                var read = await upstream.ReceiveAsync(memory, SocketFlags.None, Token);
                if (read == 0)
                {
                    await output.CompleteAsync();
                    return (total, TunnelEnd.Closed);
                }

                output.Advance(read);
                total += read;
                Touch();
                meter?.ToClient(read);
                var flush = output.FlushAsync(Token);
                var stalled = !flush.IsCompleted && _stalls.Begin(upload: false, upstream, this);
                FlushResult flushed;
                try
                {
                    flushed = await flush;
                }
                finally
                {
                    if (stalled)
                    {
                        _stalls.End(upload: false);
                    }
                }

                if (flushed.IsCompleted)
                {
                    Stop(TunnelEnd.ClientReset);
                    return (total, TunnelEnd.ClientReset);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return (total, TunnelEnd.Cancelled);
        }
        catch (SocketException)
        {
            Stop(TunnelEnd.UpstreamReset);
            return (total, TunnelEnd.UpstreamReset);
        }
    }

    public static void TryShutdownSend(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer: nothing left to tell it.
        }
    }

    public void Dispose()
    {
        _stalls.Dispose();
        _stop.Dispose();
        _finished.Dispose();
    }
}
