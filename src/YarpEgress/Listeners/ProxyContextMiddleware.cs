using Microsoft.AspNetCore.Connections;
using YarpEgress.Proxying;

namespace YarpEgress.Listeners;

/// <summary>
/// The first stage of every proxy listener: tags the connection with its listener and gives it its
/// <see cref="ProxyContext"/>, the snapshot taken here and kept to the end, with the client and the drain token. When
/// the stages after it begin a session, they end it.
/// </summary>
internal sealed class ProxyContextMiddleware(ConnectionDelegate next, ListenerInfo listener, EgressGate gate, DrainCoordinator drain)
{
    public Task OnConnectionAsync(ConnectionContext connection)
    {
        connection.Features.Set(listener);
        connection.Features.Set(new ProxyContext(gate.Snapshot, listener.Name, connection.RemoteEndPoint, connection.ConnectionClosed, drain.TunnelsClosing));
        return next(connection);
    }
}
