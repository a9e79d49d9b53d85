using Microsoft.AspNetCore.Connections;
using YarpEgress.Proxying;

namespace YarpEgress.Listeners;

/// <summary>
/// The first stage of every proxy listener: tags the connection with its listener and gives it its
/// <see cref="ProxyContext"/>, the snapshot taken here and kept to the end, with the client and the drain token. When
/// the pipeline returns, the context ends the connection's session.
/// </summary>
internal sealed class ProxyContextMiddleware(ConnectionDelegate next, ListenerInfo listener, EgressGate gate, DrainCoordinator drain)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        connection.Features.Set(listener);
        using var context = new ProxyContext(gate.Snapshot, listener.Name, connection.RemoteEndPoint, connection.ConnectionClosed, drain.TunnelsClosing);
        connection.Features.Set(context);
        await next(connection);
    }
}
