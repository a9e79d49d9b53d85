using System.Buffers;
using System.Net.Sockets;
using YarpEgress.Transport;

namespace YarpEgress.Tunneling;

/// <summary>
/// One direction of a detached tunnel, socket to socket: the bytes the transport had received before the tunnel
/// (<see cref="DetachedSocket.Pending"/>), then whatever the source receives, until its FIN, which is passed on as a
/// FIN (<c>Shutdown(Send)</c>) to the destination. A 64 KiB buffer is rented only after a zero-byte receive says data
/// is waiting, and returned after each chunk, so an idle direction holds none. Like YARP's <c>StreamCopier</c> it
/// never throws for a side's failure: it says which side failed, with the exception.
/// </summary>
internal static class SocketCopier
{
    public const int BufferSize = 64 * 1024;

    /// <param name="from">The socket read from.</param>
    /// <param name="to">The socket written to.</param>
    /// <param name="first">The client's detached socket, whose pending bytes go first (upload only).</param>
    /// <param name="upload">Client to upstream (true) or back.</param>
    /// <param name="control">The tunnel's stop signal, activity, meter and stall watch.</param>
    public static async Task<(CopyResult Result, long Bytes, Exception? Error)> CopyAsync(Socket from, Socket to, DetachedSocket? first, bool upload, TunnelControl control)
    {
        long total = 0;
        var reading = false;
        try
        {
            if (first is not null)
            {
                foreach (var segment in first.Pending)
                {
                    await control.SendAllAsync(to, segment, from, upload);
                    total += segment.Length;
                    control.Moved(segment.Length, upload);
                }

                first.ReleasePending(); // sent: the transport's pipe segments go back to the pool
            }

            while (true)
            {
                reading = true;
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, control.Token);
                var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, control.Token);
                    reading = false;
                    if (read == 0)
                    {
                        TryShutdownSend(to);
                        return (CopyResult.Completed, total, null);
                    }

                    await control.SendAllAsync(to, buffer.AsMemory(0, read), from, upload);
                    total += read;
                    control.Moved(read, upload);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (OperationCanceledException) when (control.Token.IsCancellationRequested)
        {
            return (CopyResult.Canceled, total, null);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return (control.Token.IsCancellationRequested ? CopyResult.Canceled : reading ? CopyResult.InputError : CopyResult.OutputError, total, ex);
        }
    }

    /// <summary>Passes a FIN on; a destination already reset has nothing left to be told (its own direction reports it).</summary>
    public static void TryShutdownSend(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
