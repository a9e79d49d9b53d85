using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace YarpEgress.Transport;

/// <summary>A bound TCP listener handing Kestrel one <see cref="EgressSocketConnection"/> per accepted socket.</summary>
internal sealed class EgressSocketListener : IConnectionListener
{
    private readonly Socket _socket;

    private EgressSocketListener(Socket socket)
    {
        _socket = socket;
        EndPoint = socket.LocalEndPoint!;
    }

    public EndPoint EndPoint { get; }

    public static EgressSocketListener Bind(IPEndPoint endPoint, int backlog)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endPoint);
            socket.Listen(backlog);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(ex.Message, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new EgressSocketListener(socket);
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException
                                       || ex is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
            {
                return null; // unbound
            }
            catch (SocketException)
            {
                continue; // the client reset before it was accepted
            }

            accepted.NoDelay = true;
            var connection = new EgressSocketConnection(accepted);
            connection.Start();
            return connection;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
