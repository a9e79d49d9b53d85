using System.Buffers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using YarpEgress.Transport;
using YarpEgress.Tunneling.Splice;

namespace YarpEgress.Tunneling;

/// <summary>
/// Relays with half-close: a FIN from one side is passed on as a FIN to the other, and the tunnel ends when both
/// directions are done; a reset on one side resets the other. On the gateway's own transport the client socket is
/// detached from the transport's pipes (<see cref="ISocketDetachFeature"/>) and both directions copy socket to socket.
/// Otherwise upload reads the client's input pipe and download goes straight to the client socket (completing the
/// transport's output pipe would shut down both directions), or, with no socket (TLS terminated), to the output pipe.
/// A 64 KiB buffer is rented from the pool only after a zero-byte receive says data is waiting, so an idle tunnel
/// holds no buffer. The directions and their shared state are a <see cref="TunnelRelay"/>. A detached tunnel goes to
/// the splice engine (<see cref="SpliceRelay"/>) instead where it takes it.
/// </summary>
internal sealed class SocketTunnelCopier(TimeProvider time, SpliceRelay? splice = null) : ITunnelCopier
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

        if (detached is not null && splice is not null && await splice.RelayAsync(detached, upstream, meter, timeouts, cancellationToken) is { } spliced)
        {
            if (spliced.End == TunnelEnd.UpstreamReset)
            {
                client.Abort(new ConnectionAbortedException("The upstream reset the connection."));
            }

            return spliced;
        }

        // Under TLS termination the transport still owns a socket: the stall watch polls it for the client's reset.
        var clientWatch = clientSocket ?? client.Features.Get<IConnectionSocketFeature>()?.Socket;
        using var relay = new TunnelRelay(upstream, clientWatch, meter, time, cancellationToken);
        var watchdog = relay.WatchAsync(timeouts);
        var upload = detached is not null
            ? relay.CopyAsync(detached.Socket, upstream, detached, upload: true)
            : relay.UploadAsync(client.Transport.Input);
        var download = clientSocket is not null
            ? relay.CopyAsync(upstream, clientSocket, first: null, upload: false)
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
        TunnelRelay.TryShutdownSend(upstream);
        if (client is not null)
        {
            TunnelRelay.TryShutdownSend(client);
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
}
