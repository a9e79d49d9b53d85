using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using YarpEgress.Transport;

namespace YarpEgress.Tunneling;

/// <summary>
/// Relays with half-close: a FIN from one side is passed on as a FIN to the other, and the tunnel ends when both
/// directions are done; a reset on one side resets the other. On the gateway's own transport the client socket is
/// detached from the transport's pipes (<see cref="ISocketDetachFeature"/>) and both directions copy socket to socket.
/// Otherwise upload reads the client's input pipe and download goes straight to the client socket (completing the
/// transport's output pipe would shut down both directions), or, with no socket (TLS terminated), to the output pipe.
/// A 64 KiB buffer is rented from the pool only after a zero-byte receive says data is waiting, so an idle tunnel
/// holds no buffer.
/// </summary>
internal sealed class SocketTunnelCopier(TimeProvider time) : ITunnelCopier
{
    private const int BufferSize = 64 * 1024;

    /// <summary>How long a stopped tunnel waits for each side's FIN after sending its own, before closing anyway.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    public async Task<TunnelResult> RelayAsync(ConnectionContext client, Socket? clientSocket, Socket upstream, ITunnelMeter? meter, TunnelTimeouts timeouts, CancellationToken cancellationToken)
    {
        var detach = clientSocket is null ? null : client.Features.Get<ISocketDetachFeature>();
        using var detached = detach is null ? null : await detach.DetachAsync();
        if (detach is not null && detached is null)
        {
            Reset(upstream);
            return new TunnelResult(0, 0, TunnelEnd.ClientReset); // the client left before the tunnel started
        }

        using var relay = new Relay(upstream, meter, time, cancellationToken);
        var watchdog = relay.WatchAsync(timeouts);
        var upload = detached is not null
            ? relay.CopyAsync(detached.Socket, upstream, detached.Pending, upload: true)
            : relay.UploadAsync(client.Transport.Input);
        var download = clientSocket is not null
            ? relay.CopyAsync(upstream, clientSocket, ReadOnlyMemory<byte>.Empty, upload: false)
            : relay.DownloadToPipeAsync(client.Transport.Output);

        var (fromClient, uploadEnd) = await upload;
        var (fromUpstream, downloadEnd) = await download;
        relay.Finish();
        await watchdog;

        var end = relay.StopReason ?? (cancellationToken.IsCancellationRequested ? TunnelEnd.Cancelled : Combine(uploadEnd, downloadEnd));
        if (end is TunnelEnd.Cancelled or TunnelEnd.IdleTimeout or TunnelEnd.LifetimeExceeded)
        {
            await CloseInOrderAsync(upstream, clientSocket, readClient: detached is not null);
        }
        else if (end == TunnelEnd.ClientReset)
        {
            Reset(upstream);
        }
        else if (end == TunnelEnd.UpstreamReset)
        {
            if (clientSocket is not null)
            {
                Reset(clientSocket);
            }

            client.Abort(new ConnectionAbortedException("The upstream reset the connection."));
        }

        return new TunnelResult(fromClient, fromUpstream, end);
    }

    /// <summary>
    /// Ends a tunnel that the gateway stops (drain, idle timeout, lifetime) the orderly way: a FIN to each side, then
    /// what either still sends is read and dropped until its own FIN, within <see cref="CloseGrace"/>, because closing
    /// a socket with unread bytes sends a reset instead. The client's socket is read only when detached from the
    /// transport (otherwise the transport reads it).
    /// </summary>
    private async Task CloseInOrderAsync(Socket upstream, Socket? client, bool readClient)
    {
        TryShutdownSend(upstream);
        if (client is not null)
        {
            TryShutdownSend(client);
        }

        using var grace = new CancellationTokenSource(CloseGrace, time);
        await Task.WhenAll(DiscardUntilFinAsync(upstream, grace.Token), readClient && client is not null ? DiscardUntilFinAsync(client, grace.Token) : Task.CompletedTask);
    }

    private static async Task DiscardUntilFinAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Reset, or still sending after the grace: the close that follows resets it.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void TryShutdownSend(Socket socket)
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

    /// <summary>A reset on either side is what ended the tunnel (the other direction was merely cancelled by it).</summary>
    private static TunnelEnd Combine(TunnelEnd upload, TunnelEnd download) =>
        upload is TunnelEnd.ClientReset or TunnelEnd.UpstreamReset ? upload
        : download is TunnelEnd.ClientReset or TunnelEnd.UpstreamReset ? download
        : upload == TunnelEnd.Closed ? download : upload;

    /// <summary>Close with RST rather than FIN, so the other side learns that this was not an orderly end.</summary>
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

    /// <summary>One tunnel's state: the stop signal both directions and the watchdog share, and the last activity.</summary>
    private sealed class Relay(Socket upstream, ITunnelMeter? meter, TimeProvider time, CancellationToken outer) : IDisposable
    {
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        private readonly CancellationTokenSource _finished = new();
        private long _lastActivity = time.GetTimestamp();
        private int _stopReason = -1;

        /// <summary>Set when the watchdog, not a side, ended the tunnel.</summary>
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

        private void Stop(TunnelEnd reason)
        {
            Interlocked.CompareExchange(ref _stopReason, (int)reason, -1);
            _stop.Cancel();
        }

        private void Touch() => Volatile.Write(ref _lastActivity, time.GetTimestamp());

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
                    _stop.Cancel();
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
                    _stop.Cancel();
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
        /// Sends what the client's pipe holds. The transport fills it in 4 KiB blocks, so a multi-block read is copied
        /// into a pooled 64 KiB buffer and sent in as few sends (syscalls) as that takes, not one send per block.
        /// </summary>
        private async ValueTask SendAsync(ReadOnlySequence<byte> buffer)
        {
            if (buffer.IsSingleSegment)
            {
                await upstream.SendAllAsync(buffer.First, Token);
                return;
            }

            var chunk = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                while (!buffer.IsEmpty)
                {
                    var length = (int)Math.Min(buffer.Length, chunk.Length);
                    buffer.Slice(0, length).CopyTo(chunk);
                    await upstream.SendAllAsync(chunk.AsMemory(0, length), Token);
                    buffer = buffer.Slice(length);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }

        /// <summary>
        /// One direction, socket to socket: <paramref name="first"/> (bytes that arrived before the tunnel), then
        /// whatever <paramref name="from"/> receives, until its FIN, which is passed on as a FIN to <paramref name="to"/>.
        /// </summary>
        public async Task<(long Bytes, TunnelEnd End)> CopyAsync(Socket from, Socket to, ReadOnlyMemory<byte> first, bool upload)
        {
            var (fromReset, toReset) = upload ? (TunnelEnd.ClientReset, TunnelEnd.UpstreamReset) : (TunnelEnd.UpstreamReset, TunnelEnd.ClientReset);
            var pending = first;
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
                        (chunk, pending) = (pending, ReadOnlyMemory<byte>.Empty);
                    }
                    else
                    {
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
                    await to.SendAllAsync(chunk, Token);
                    total += chunk.Length;
                    Moved(chunk.Length, upload);
                }
                catch (OperationCanceledException)
                {
                    return (total, TunnelEnd.Cancelled);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    _stop.Cancel();
                    return (total, stage);
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

        /// <summary>The portable path, for transports without a socket: no half-close towards the client.</summary>
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
                    var flush = await output.FlushAsync(Token);
                    if (flush.IsCompleted)
                    {
                        _stop.Cancel();
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
                _stop.Cancel();
                return (total, TunnelEnd.UpstreamReset);
            }
        }

        public void Dispose()
        {
            _stop.Dispose();
            _finished.Dispose();
        }
    }
}
