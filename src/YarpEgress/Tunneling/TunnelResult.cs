namespace YarpEgress.Tunneling;

/// <summary>
/// What a finished tunnel moved and how it ended; <see cref="Error"/> is the exception that ended it, when a side
/// failed (a reset's <see cref="System.Net.Sockets.SocketException"/>), else null.
/// </summary>
internal readonly record struct TunnelResult(long BytesFromClient, long BytesFromUpstream, TunnelEnd End, Exception? Error = null);
