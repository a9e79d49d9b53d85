using System.Net;
using System.Net.Sockets;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// A loopback port held bound but not listening: a connect to it is refused, and nothing else can take the port
/// meanwhile (unlike a port probed free and released). <see cref="OpenEcho"/> starts listening on it.
/// </summary>
internal sealed class ClosedPort : IDisposable
{
    private Socket? _socket;

    public ClosedPort()
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>The port comes up: an echo server listens on it from now on (and owns it).</summary>
    public TcpUpstream OpenEcho()
    {
        var socket = _socket ?? throw new InvalidOperationException("the port is already open");
        _socket = null;
        return TcpUpstream.EchoOn(socket);
    }

    public void Dispose() => _socket?.Dispose();
}
