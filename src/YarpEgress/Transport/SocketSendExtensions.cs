using System.Net.Sockets;

namespace YarpEgress.Transport;

internal static class SocketSendExtensions
{
    /// <summary>Sends every byte, however many sends the kernel takes for it.</summary>
    public static async ValueTask SendAllAsync(this Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[sent..];
        }
    }
}
