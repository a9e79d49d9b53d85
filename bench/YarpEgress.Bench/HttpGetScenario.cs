using System.Buffers.Text;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace YarpEgress.Bench;

/// <summary>
/// <c>http-get</c>: keep-alive connections each sending GETs one after the other, absolute-form through the proxy or
/// origin-form direct (with <c>--proxy-credentials</c>, each request carries them), reading each response by its Content-Length; latency is per request.
/// </summary>
internal static class HttpGetScenario
{
    public static Task<Measurement> RunAsync(BenchOptions options)
    {
        var target = options.Http;
        var request = Encoding.ASCII.GetBytes(
            $"GET {(options.Direct ? "" : $"http://{target}")}/{options.Payload}.bin HTTP/1.1\r\nHost: {target}\r\nUser-Agent: YarpEgress.Bench\r\n" +
            $"{(options.Direct ? "" : options.ProxyAuthorizationLine)}\r\n");
        var server = options.Direct ? target : options.Proxy;
        return new LoadRun(options).RunAsync(async run =>
        {
            var buffer = new byte[64 * 1024];
            while (!run.Stopping.IsCancellationRequested)
            {
                try
                {
                    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync(server, run.Stopping);
                    var filled = 0;
                    while (true)
                    {
                        var started = Stopwatch.GetTimestamp();
                        await socket.SendAsync(request, SocketFlags.None, run.Stopping);
                        filled = await ReadResponseAsync(socket, buffer, filled, run.Stopping);
                        run.Completed(started);
                    }
                }
                catch (OperationCanceledException) when (run.Stopping.IsCancellationRequested)
                {
                }
                catch (Exception ex)
                {
                    run.Failed(ex);
                }
            }
        });
    }

    /// <summary>Reads one 200 response; returns how many bytes of the next one are already in the buffer's front.</summary>
    private static async Task<int> ReadResponseAsync(Socket socket, byte[] buffer, int filled, CancellationToken cancellationToken)
    {
        int headEnd;
        while ((headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            filled += await ReceiveSomeAsync(socket, buffer.AsMemory(filled), cancellationToken);
        }

        var head = buffer.AsSpan(0, headEnd);
        if (!head.StartsWith("HTTP/1.1 200"u8))
        {
            throw new IOException($"unexpected response: {Encoding.ASCII.GetString(head).Split("\r\n")[0]}");
        }

        var length = ContentLength(head);
        var total = headEnd + 4 + length;
        while (filled < total)
        {
            // The body may exceed the buffer: count it off in place.
            var room = Math.Min(buffer.Length, total) - filled;
            if (room == 0)
            {
                total -= filled;
                filled = 0;
                continue;
            }

            filled += await ReceiveSomeAsync(socket, buffer.AsMemory(filled, room), cancellationToken);
        }

        buffer.AsSpan(total, filled - total).CopyTo(buffer);
        return filled - total;
    }

    private static int ContentLength(ReadOnlySpan<byte> head)
    {
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            if (line.Length > 15 && Ascii.EqualsIgnoreCase(line[..15], "Content-Length:"u8)
                && Utf8Parser.TryParse(line[15..].Trim((byte)' '), out int length, out _))
            {
                return length;
            }
        }

        throw new IOException("a response without Content-Length");
    }

    private static async Task<int> ReceiveSomeAsync(Socket socket, Memory<byte> into, CancellationToken cancellationToken)
    {
        var read = await socket.ReceiveAsync(into, SocketFlags.None, cancellationToken);
        return read > 0 ? read : throw new IOException("the connection closed mid-response");
    }
}
