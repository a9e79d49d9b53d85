namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// What one destination (host and port) has moved, as <c>/stats/destinations</c> shows it: the bytes counted while it
/// was tracked, live connections included, and <see cref="UntrackedBytesUpTo"/>, the most it may have moved before
/// (non-zero only for a destination that came back after the table was full).
/// </summary>
internal sealed record DestinationTotal(string Destination, long BytesFromClient, long BytesToClient, long Connections, int Live, long UntrackedBytesUpTo)
{
    public long Bytes => BytesFromClient + BytesToClient;
}
