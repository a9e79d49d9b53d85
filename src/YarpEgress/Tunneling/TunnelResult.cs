namespace YarpEgress.Tunneling;

/// <summary>What a finished tunnel moved and how it ended.</summary>
internal readonly record struct TunnelResult(long BytesFromClient, long BytesFromUpstream, TunnelEnd End);
