using YarpEgress.Policy;

namespace YarpEgress.Sni;

/// <summary>A connection feature: where an allowed SNI connection goes, decided before a terminating handshake.</summary>
internal sealed class SniRoute(Destination destination)
{
    public Destination Destination { get; } = destination;
}
