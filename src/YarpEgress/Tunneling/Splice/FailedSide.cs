namespace YarpEgress.Tunneling.Splice;

/// <summary>Which socket of a spliced direction failed: the side whose reset ends the tunnel.</summary>
internal enum FailedSide
{
    Source,
    Destination,
}
