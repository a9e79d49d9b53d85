using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace YarpEgress.Tunneling;

/// <summary>
/// Moves bytes both ways between an accepted client connection and a dialed upstream socket until both sides are
/// done. The one seam between the protocol code (CONNECT, SNI) and what moves the bytes, so the data path can change
/// without touching either protocol.
/// </summary>
internal interface ITunnelCopier
{
    /// <summary>
    /// Relays until both directions are done, a side resets, the tunnel idles or outlives its timeouts, or
    /// <paramref name="cancellationToken"/> fires. Bytes still unread in the client's input pipe (pipelined after the
    /// CONNECT head, or a peeked ClientHello) go upstream first. <paramref name="clientSocket"/> is the client's raw
    /// socket when nothing sits between it and the caller (<see cref="Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature"/>), else null.
    /// <paramref name="meter"/> is told of every chunk as it moves.
    /// </summary>
    Task<TunnelResult> RelayAsync(ConnectionContext client, Socket? clientSocket, Socket upstream, ITunnelMeter? meter, TunnelTimeouts timeouts, CancellationToken cancellationToken);
}
