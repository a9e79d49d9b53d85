using System.Net.Sockets;
using System.Text;
using YarpEgress.Addressing;
using YarpEgress.Transport;

namespace YarpEgress.Upstream;

/// <summary>Opens a tunnel through a parent HTTP proxy on an already connected socket: CONNECT, then its answer.</summary>
internal static class ParentProxy
{
    private const int MaxResponseHead = 8 * 1024;

    /// <summary>Sends CONNECT for <paramref name="target"/>; returns when the parent answered 2xx, else throws with its status line.</summary>
    public static async ValueTask ConnectAsync(Socket parent, Destination via, Destination target, string? authorization, CancellationToken cancellationToken)
    {
        var request = new StringBuilder()
            .Append("CONNECT ").Append(target).Append(" HTTP/1.1\r\nHost: ").Append(target).Append("\r\n");
        if (authorization is not null)
        {
            request.Append("Proxy-Authorization: ").Append(authorization).Append("\r\n");
        }

        await parent.SendAllAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken);

        // Byte by byte up to the blank line, so no byte of the tunnel that follows is taken by mistake.
        var head = new byte[MaxResponseHead];
        var length = 0;
        while (length < 4 || !head.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
        {
            if (length == head.Length || await parent.ReceiveAsync(head.AsMemory(length, 1), SocketFlags.None, cancellationToken) == 0)
            {
                throw new UpstreamConnectException(ConnectFailureKind.ParentProxy, $"parent proxy {via} closed before answering CONNECT {target}");
            }

            length++;
        }

        var statusLine = Encoding.ASCII.GetString(head, 0, head.AsSpan(0, length).IndexOf("\r\n"u8));
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[1].Length != 3 || parts[1][0] != '2')
        {
            throw new UpstreamConnectException(ConnectFailureKind.ParentProxy, $"parent proxy {via} refused CONNECT {target}: {statusLine}");
        }
    }
}
