using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace YarpEgress.Transport;

/// <summary>
/// Writing to an accepted client connection outside Kestrel's HTTP pipeline. Bytes go straight to the socket when the
/// connection is a raw TCP socket (completing the transport's output pipe would shut down both directions, and its
/// send loop would flush only after a FIN sent beside it); otherwise, e.g. under TLS termination, through the pipe.
/// </summary>
internal static class ClientTransport
{
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(1);

    /// <summary>The client's raw socket, for connections with no TLS or other layer between it and the middleware.</summary>
    public static Socket? RawSocket(ConnectionContext context) => context.Features.Get<IConnectionSocketFeature>()?.Socket;

    public static async ValueTask SendAsync(ConnectionContext context, Socket? socket, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (socket is null)
        {
            await context.Transport.Output.WriteAsync(bytes, cancellationToken);
            return;
        }

        await socket.SendAllAsync(bytes, cancellationToken);
    }

    /// <summary>
    /// Sends a last message (an error response, a TLS alert), then FIN, then lingers briefly reading and discarding
    /// what the client still sends, so that closing with unread bytes does not become a reset that destroys the
    /// message before the client reads it. A client that is already gone is not an error.
    /// </summary>
    public static async Task SendFinalAsync(ConnectionContext context, Socket? socket, ReadOnlyMemory<byte> bytes, TimeProvider time)
    {
        try
        {
            await SendAsync(context, socket, bytes, CancellationToken.None);
            socket?.Shutdown(SocketShutdown.Send);
            await DrainAsync(context.Transport.Input, time);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException)
        {
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
