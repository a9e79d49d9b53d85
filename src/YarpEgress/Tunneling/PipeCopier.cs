using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace YarpEgress.Tunneling;

/// <summary>
/// The two directions of a tunnel whose client bytes are a layer's pipes, not a socket (TLS terminated by Kestrel):
/// the client's input pipe to the upstream socket, and the upstream socket to the client's output pipe. The pipe
/// cannot half-close, so the upstream's FIN completes the output (TLS close, then the connection ends). Each returns
/// which side failed, with the exception, like <see cref="SocketCopier"/>.
/// </summary>
internal static class PipeCopier
{
    /// <param name="input">The client's (decrypted) input.</param>
    /// <param name="upstream">The upstream socket.</param>
    /// <param name="clientWatch">The client's TCP socket under the TLS layer, polled for a reset while a send to the upstream waits.</param>
    /// <param name="control">The tunnel's stop signal, activity, meter and stall watch.</param>
    public static async Task<(CopyResult Result, long Bytes, Exception? Error)> UploadAsync(PipeReader input, Socket upstream, Socket? clientWatch, TunnelControl control)
    {
        long total = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(control.Token);
            }
            catch (OperationCanceledException) when (control.Token.IsCancellationRequested)
            {
                return (CopyResult.Canceled, total, null);
            }
            catch (Exception ex)
            {
                return (CopyResult.InputError, total, ex); // the TLS layer reports the client's reset or a bad record
            }

            var buffer = result.Buffer;
            try
            {
                await SendAsync(buffer, upstream, clientWatch, control);
            }
            catch (OperationCanceledException) when (control.Token.IsCancellationRequested)
            {
                return (CopyResult.Canceled, total, null);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return (control.Token.IsCancellationRequested ? CopyResult.Canceled : CopyResult.OutputError, total, ex);
            }

            total += buffer.Length;
            if (!buffer.IsEmpty)
            {
                control.Moved((int)buffer.Length, upload: true);
            }

            input.AdvanceTo(buffer.End);
            if (result.IsCanceled)
            {
                return (CopyResult.Canceled, total, null);
            }

            if (result.IsCompleted)
            {
                SocketCopier.TryShutdownSend(upstream);
                return (CopyResult.Completed, total, null);
            }
        }
    }

    /// <summary>
    /// Sends what the client's pipe holds. The TLS layer fills it in blocks, so a multi-block read is copied into a
    /// pooled 64 KiB buffer and sent in as few sends (syscalls) as that takes, not one send per block.
    /// </summary>
    private static async ValueTask SendAsync(ReadOnlySequence<byte> buffer, Socket upstream, Socket? clientWatch, TunnelControl control)
    {
        if (buffer.IsSingleSegment)
        {
            await control.SendAllAsync(upstream, buffer.First, clientWatch, upload: true);
            return;
        }

        var chunk = ArrayPool<byte>.Shared.Rent(SocketCopier.BufferSize);
        try
        {
            while (!buffer.IsEmpty)
            {
                var length = (int)Math.Min(buffer.Length, chunk.Length);
                buffer.Slice(0, length).CopyTo(chunk);
                await control.SendAllAsync(upstream, chunk.AsMemory(0, length), clientWatch, upload: true);
                buffer = buffer.Slice(length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <param name="upstream">The upstream socket.</param>
    /// <param name="output">The client's output, which the TLS layer encrypts.</param>
    /// <param name="control">The tunnel's stop signal, activity, meter and stall watch.</param>
    public static async Task<(CopyResult Result, long Bytes, Exception? Error)> DownloadAsync(Socket upstream, PipeWriter output, TunnelControl control)
    {
        long total = 0;
        try
        {
            while (true)
            {
                await upstream.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, control.Token);
                var memory = output.GetMemory(SocketCopier.BufferSize);
                var read = await upstream.ReceiveAsync(memory, SocketFlags.None, control.Token);
                if (read == 0)
                {
                    await output.CompleteAsync();
                    return (CopyResult.Completed, total, null);
                }

                output.Advance(read);
                total += read;
                control.Moved(read, upload: false);
                if ((await control.FlushAsync(output, upstream)).IsCompleted)
                {
                    return (CopyResult.OutputError, total, null); // the client's side of the pipe is gone
                }
            }
        }
        catch (OperationCanceledException) when (control.Token.IsCancellationRequested)
        {
            return (CopyResult.Canceled, total, null);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return (control.Token.IsCancellationRequested ? CopyResult.Canceled : CopyResult.InputError, total, ex);
        }
    }
}
