using System.Net.Sockets;
using YarpEgress.Telemetry;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// Tells each plain-HTTP request which upstream address carried it. The handler pools connections, so the dial alone
/// cannot say which request a connection serves; but an HTTP/1.1 connection serves one request at a time and writes
/// that request's head from within the request's send, so the connection's first write of a request sees the
/// request's <see cref="Current"/> session and records the address there (one async-local read per write).
/// </summary>
internal static class DialedAddress
{
    /// <summary>The session of the request being forwarded on this async flow, set by the handler around the send.</summary>
    public static AsyncLocal<ProxySession?> Current { get; } = new();

    /// <summary>Called on each write of an upstream connection: the first one of a request records the address.</summary>
    public static void Written(string? remote)
    {
        if (Current.Value is { Upstream: null } session)
        {
            session.Dialed(remote);
        }
    }

    /// <summary>The address actually connected (IPv6 in brackets); null if the peer already reset.</summary>
    public static string? Of(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint?.ToString();
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
