using System.Net.Sockets;

namespace YarpEgress.Tunneling;

/// <summary>Asks the kernel whether a socket has failed, without reading from it: the bytes queued before a reset stay where they are.</summary>
internal static class SocketHealth
{
    /// <summary>
    /// The error pending on <paramref name="socket"/> (<c>SO_ERROR</c>, as a <see cref="SocketException"/> that names
    /// it, e.g. <c>ConnectionReset</c>), or null while it is healthy. A socket already closed counts as failed.
    /// </summary>
    public static Exception? PendingError(Socket socket)
    {
        try
        {
            if (!socket.Poll(0, SelectMode.SelectError))
            {
                return null;
            }

            var code = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
            return new SocketException((int)(code == SocketError.Success ? SocketError.ConnectionReset : code));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return ex;
        }
    }
}
