using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace YarpEgress.Transport;

/// <summary>The socket side of <see cref="IClientSendFeature"/>: bytes straight to the client's socket, FIN, linger.</summary>
internal static class ClientSend
{
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(1);

    public static ValueTask SendNowAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        socket.SendAllAsync(bytes, cancellationToken);

    public static async Task SendFinalAsync(Socket socket, PipeReader input, ReadOnlyMemory<byte> bytes, TimeProvider time)
    {
        try
        {
            await socket.SendAllAsync(bytes, CancellationToken.None);
            socket.Shutdown(SocketShutdown.Send);
            await DrainAsync(input, time);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException)
        {
        }
    }

    /// <summary>Reads and discards the client's input for up to a second, until its FIN.</summary>
    public static async Task DrainAsync(PipeReader input, TimeProvider time)
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
