using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace YarpEgress.Tunneling;

/// <summary>
/// Relays with half-close: a FIN from one side is passed on as a FIN to the other, and the tunnel ends when both
/// directions are done; a reset on one side resets the other. Upload reads the client's input pipe (the transport
/// owns the receive side); download goes straight to the client socket, because completing the transport's output
/// pipe would shut down both directions of the client connection. A 64 KiB buffer is rented from the pool only
/// after a zero-byte receive says data is waiting, so an idle tunnel holds no buffer.
/// </summary>
internal sealed class SocketTunnelCopier : ITunnelCopier
{
    private const int BufferSize = 64 * 1024;

    public async Task<TunnelResult> RelayAsync(ConnectionContext client, Socket? clientSocket, Socket upstream, ITunnelMeter? meter, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var upload = UploadAsync(client.Transport.Input, upstream, meter, stop);
        var download = clientSocket is not null
            ? DownloadToSocketAsync(upstream, clientSocket, meter, stop)
            : DownloadToPipeAsync(upstream, client.Transport.Output, meter, stop);

        var (fromClient, uploadEnd) = await upload;
        var (fromUpstream, downloadEnd) = await download;
        var end = cancellationToken.IsCancellationRequested ? TunnelEnd.Cancelled : Combine(uploadEnd, downloadEnd);

        if (end == TunnelEnd.ClientReset)
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

    /// <summary>A reset on either side is what ended the tunnel (the other direction was merely cancelled by it).</summary>
    private static TunnelEnd Combine(TunnelEnd upload, TunnelEnd download) =>
        upload is TunnelEnd.ClientReset or TunnelEnd.UpstreamReset ? upload
        : download is TunnelEnd.ClientReset or TunnelEnd.UpstreamReset ? download
        : upload == TunnelEnd.Closed ? download : upload;

    private static async Task<(long Bytes, TunnelEnd End)> UploadAsync(PipeReader input, Socket upstream, ITunnelMeter? meter, CancellationTokenSource stop)
    {
        long total = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                return (total, TunnelEnd.Cancelled);
            }
            catch (Exception)
            {
                stop.Cancel();
                return (total, TunnelEnd.ClientReset);
            }

            var buffer = result.Buffer;
            try
            {
                foreach (var segment in buffer)
                {
                    await SendAllAsync(upstream, segment, stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                return (total, TunnelEnd.Cancelled);
            }
            catch (SocketException)
            {
                stop.Cancel();
                return (total, TunnelEnd.UpstreamReset);
            }

            total += buffer.Length;
            meter?.FromClient((int)buffer.Length);
            input.AdvanceTo(buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                TryShutdownSend(upstream);
                return (total, result.IsCanceled ? TunnelEnd.Cancelled : TunnelEnd.Closed);
            }
        }
    }

    private static async Task<(long Bytes, TunnelEnd End)> DownloadToSocketAsync(Socket upstream, Socket client, ITunnelMeter? meter, CancellationTokenSource stop)
    {
        long total = 0;
        while (true)
        {
            byte[]? buffer = null;
            var stage = TunnelEnd.UpstreamReset;
            try
            {
                await upstream.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, stop.Token);
                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                var read = await upstream.ReceiveAsync(buffer, SocketFlags.None, stop.Token);
                if (read == 0)
                {
                    TryShutdownSend(client);
                    return (total, TunnelEnd.Closed);
                }

                stage = TunnelEnd.ClientReset;
                await SendAllAsync(client, buffer.AsMemory(0, read), stop.Token);
                total += read;
                meter?.ToClient(read);
            }
            catch (OperationCanceledException)
            {
                return (total, TunnelEnd.Cancelled);
            }
            catch (SocketException)
            {
                stop.Cancel();
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

    /// <summary>The portable path, for transports without a socket: no half-close towards the client.</summary>
    private static async Task<(long Bytes, TunnelEnd End)> DownloadToPipeAsync(Socket upstream, PipeWriter output, ITunnelMeter? meter, CancellationTokenSource stop)
    {
        long total = 0;
        try
        {
            while (true)
            {
                await upstream.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, stop.Token);
                var memory = output.GetMemory(BufferSize);
                var read = await upstream.ReceiveAsync(memory, SocketFlags.None, stop.Token);
                if (read == 0)
                {
                    await output.CompleteAsync();
                    return (total, TunnelEnd.Closed);
                }

                output.Advance(read);
                total += read;
                meter?.ToClient(read);
                var flush = await output.FlushAsync(stop.Token);
                if (flush.IsCompleted)
                {
                    stop.Cancel();
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
            stop.Cancel();
            return (total, TunnelEnd.UpstreamReset);
        }
    }

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[sent..];
        }
    }

    private static void TryShutdownSend(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already reset by the peer: nothing left to tell it.
        }
        catch (ObjectDisposedException)
        {
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
