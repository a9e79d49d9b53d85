using System.Buffers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using YarpEgress.Transport;
using YarpEgress.Tunneling.Splice;

namespace YarpEgress.Tunneling;

/// <summary>
/// Relays a tunnel with half-close: a FIN from one side is passed on as a FIN to the other, and the tunnel ends when
/// both directions are done; a reset on one side resets the other; a watchdog ends it at the idle timeout and the
/// lifetime. Two shapes, one per kind of client connection:
/// <list type="bullet">
/// <item><see cref="RelayAsync"/>: a plain TCP client on the gateway's transport. Its socket is detached from the
/// transport's pipes (<see cref="ISocketDetachFeature"/>) and <see cref="RelayDetachedAsync"/> copies socket to socket
/// (<see cref="SocketCopier"/>), both ways.</item>
/// <item><see cref="RelayTerminatedAsync"/>: a client whose TLS the gateway terminates; its bytes are the TLS
/// layer's pipes (<see cref="PipeCopier"/>).</item>
/// </list>
/// </summary>
internal sealed class TunnelRelay(TimeProvider time, SpliceRelay? splice = null)
{
    /// <summary>How long a stopped tunnel waits for each side's FIN after sending its own, before closing anyway.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Relays a plain TCP client: detaches its socket, then <see cref="RelayDetachedAsync"/>. Bytes still unread in the
    /// client's input pipe (pipelined after the CONNECT head, or a peeked ClientHello) go upstream first. A connection
    /// without a socket to detach is relayed through its pipes.
    /// </summary>
    public async Task<TunnelResult> RelayAsync(ConnectionContext client, Socket upstream, ITunnelMeter? meter, TunnelTimeouts timeouts, CancellationToken cancellationToken)
    {
        if (client.Features.Get<ISocketDetachFeature>() is not { } detach)
        {
            // No socket to take (an in-memory transport, as the middleware tests use): its pipes are the client.
            return await RelayTerminatedAsync(client, upstream, meter, timeouts, cancellationToken);
        }

        using var detached = await detach.DetachAsync();
        if (detached is null)
        {
            Reset(upstream);
            return new TunnelResult(0, 0, TunnelEnd.ClientReset); // the client left before the tunnel started
        }

        var result = await RelayDetachedAsync(detached, upstream, meter, timeouts, cancellationToken);
        if (result.End == TunnelEnd.UpstreamReset)
        {
            client.Abort(new ConnectionAbortedException("The upstream reset the connection."));
        }

        return result;
    }

    /// <summary>
    /// The one place where a detached client socket and its upstream are relayed until both are done: kernel to kernel
    /// by the splice engine where it takes the tunnel (<see cref="SpliceRelay"/>: Linux, <c>Egress:Tunnels:Splice</c>),
    /// else socket to socket through pooled buffers.
    /// </summary>
    public async Task<TunnelResult> RelayDetachedAsync(DetachedSocket client, Socket upstream, ITunnelMeter? meter, TunnelTimeouts timeouts, CancellationToken cancellationToken)
    {
        if (splice is not null && await splice.RelayAsync(client, upstream, meter, timeouts, cancellationToken) is { } spliced)
        {
            return spliced;
        }

        using var control = new TunnelControl(meter, time, cancellationToken);
        var watchdog = control.WatchAsync(timeouts);
        var upload = Direction(SocketCopier.CopyAsync(client.Socket, upstream, client, upload: true, control), upload: true, control);
        var download = Direction(SocketCopier.CopyAsync(upstream, client.Socket, first: null, upload: false, control), upload: false, control);
        var result = await FinishAsync(upload, download, watchdog, control);
        await EndAsync(result.End, upstream, client.Socket, readClient: true);
        return result;
    }

    /// <summary>Relays a client whose TLS the gateway terminated: its input pipe to the upstream and back to its output pipe.</summary>
    public async Task<TunnelResult> RelayTerminatedAsync(ConnectionContext client, Socket upstream, ITunnelMeter? meter, TunnelTimeouts timeouts, CancellationToken cancellationToken)
    {
        // The transport still owns the TCP socket under the TLS layer: the stall watch polls it for the client's reset.
        var clientWatch = client.Features.Get<IConnectionSocketFeature>()?.Socket;
        using var control = new TunnelControl(meter, time, cancellationToken);
        var watchdog = control.WatchAsync(timeouts);
        var upload = Direction(PipeCopier.UploadAsync(client.Transport.Input, upstream, clientWatch, control), upload: true, control);
        var download = Direction(PipeCopier.DownloadAsync(upstream, client.Transport.Output, control), upload: false, control);
        var result = await FinishAsync(upload, download, watchdog, control);
        await EndAsync(result.End, upstream, client: null, readClient: false);
        if (result.End == TunnelEnd.UpstreamReset)
        {
            client.Abort(new ConnectionAbortedException("The upstream reset the connection."));
        }

        return result;
    }

    /// <summary>A direction that failed stops the other, naming the side that failed and its exception.</summary>
    private static async Task<(CopyResult Result, long Bytes)> Direction(Task<(CopyResult Result, long Bytes, Exception? Error)> copy, bool upload, TunnelControl control)
    {
        var (result, bytes, error) = await copy;
        if (result is CopyResult.InputError or CopyResult.OutputError)
        {
            var clientFailed = upload == (result == CopyResult.InputError);
            control.Stop(clientFailed ? TunnelEnd.ClientReset : TunnelEnd.UpstreamReset, error);
        }

        return (result, bytes);
    }

    private static async Task<TunnelResult> FinishAsync(Task<(CopyResult Result, long Bytes)> upload, Task<(CopyResult Result, long Bytes)> download, Task watchdog, TunnelControl control)
    {
        var (up, fromClient) = await upload;
        var (down, fromUpstream) = await download;
        control.Finish();
        await watchdog;

        // A side's failure, the watchdog or the stall watch named the end; else both FINs arrived, or the drain stopped it.
        var end = control.StopReason ?? (up == CopyResult.Completed && down == CopyResult.Completed ? TunnelEnd.Closed : TunnelEnd.Cancelled);
        return new TunnelResult(fromClient, fromUpstream, end, control.Error);
    }

    /// <summary>What each side is told at the end: a reset is passed on; a stop by the gateway closes in order.</summary>
    private async Task EndAsync(TunnelEnd end, Socket upstream, Socket? client, bool readClient)
    {
        if (end is TunnelEnd.Cancelled or TunnelEnd.IdleTimeout or TunnelEnd.LifetimeExceeded)
        {
            await CloseInOrderAsync(upstream, client, readClient);
        }
        else if (end == TunnelEnd.ClientReset)
        {
            Reset(upstream);
        }
        else if (end == TunnelEnd.UpstreamReset && client is not null)
        {
            Reset(client);
        }
    }

    /// <summary>
    /// Ends a tunnel that the gateway stops (drain, idle timeout, lifetime) the orderly way: a FIN to each side, then
    /// what either still sends is read and dropped until its own FIN, within <see cref="CloseGrace"/>, because closing
    /// a socket with unread bytes sends a reset instead. The client's socket is read only when detached from the
    /// transport (otherwise the transport reads it).
    /// </summary>
    private async Task CloseInOrderAsync(Socket upstream, Socket? client, bool readClient)
    {
        SocketCopier.TryShutdownSend(upstream);
        if (client is not null)
        {
            SocketCopier.TryShutdownSend(client);
        }

        using var grace = new CancellationTokenSource(CloseGrace, time);
        await Task.WhenAll(DiscardUntilFinAsync(upstream, grace.Token), readClient && client is not null ? DiscardUntilFinAsync(client, grace.Token) : Task.CompletedTask);
    }

    private static async Task DiscardUntilFinAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SocketCopier.BufferSize);
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
