using System.Net;
using Microsoft.AspNetCore.Connections;

namespace YarpEgress.Transport;

/// <summary>
/// Kestrel's transport for the gateway's TCP listeners: like Kestrel's socket transport, plus
/// <see cref="ISocketDetachFeature"/>, so that CONNECT and SNI tunnels copy socket to socket instead of through pipes
/// filled 4 KiB at a time.
/// </summary>
internal sealed class EgressSocketTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private const int Backlog = 4096;

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        endpoint is IPEndPoint ip
            ? ValueTask.FromResult<IConnectionListener>(EgressSocketListener.Bind(ip, Backlog))
            : throw new NotSupportedException($"{endpoint} is not an IP endpoint.");
}
