using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.WebUtilities;
using YarpEgress.Errors;

namespace YarpEgress.Connect;

/// <summary>
/// Writes a complete HTTP/1.1 error response on a raw connection, sends FIN, then lingers briefly reading and
/// discarding what the client still sends, so that closing with unread bytes does not turn into a reset that destroys the response
/// before the client reads it.
/// </summary>
internal static class RawResponseWriter
{
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(1);

    public static async Task WriteErrorAndCloseAsync(ConnectionContext context, ProxyError error, TimeProvider time)
    {
        var body = error.Message + "\n";
        var head = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {error.StatusCode} {ReasonPhrases.GetReasonPhrase(error.StatusCode)}\r\n" +
            $"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n" +
            $"Proxy-Status: {error.ProxyStatusHeader}\r\nConnection: close\r\n\r\n{body}");
        try
        {
            var bytes = Encoding.UTF8.GetBytes(head);
            if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
            {
                // Straight to the socket, like the tunnel's own bytes: the transport's send loop would only flush
                // after a FIN sent here, and completing its output pipe would close both directions at once.
                for (var sent = 0; sent < bytes.Length;)
                {
                    sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
                }

                socket.Shutdown(SocketShutdown.Send);
            }
            else
            {
                await context.Transport.Output.WriteAsync(bytes);
            }

            await DrainAsync(context.Transport.Input, time);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException)
        {
            // The client is already gone.
        }
    }

    private static async Task DrainAsync(PipeReader input, TimeProvider time)
    {
        using var linger = new CancellationTokenSource(Linger, time);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(linger.Token);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
