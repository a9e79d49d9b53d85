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
    /// Sends <paramref name="preamble"/> to the client first (e.g. "200 Connection Established"), then relays. Bytes
    /// still unread in the client's input pipe (pipelined after the CONNECT head, or a peeked ClientHello) go upstream first.
    /// </summary>
    Task<TunnelResult> RelayAsync(ConnectionContext client, Socket upstream, ReadOnlyMemory<byte> preamble, CancellationToken cancellationToken);
}
