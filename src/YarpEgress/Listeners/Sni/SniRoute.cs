using YarpEgress.Addressing;
using YarpEgress.Telemetry;

namespace YarpEgress.Listeners.Sni;

/// <summary>A connection feature: where an allowed SNI connection goes, decided before a terminating handshake, and its session.</summary>
internal sealed class SniRoute(Destination destination, ProxySession session)
{
    public Destination Destination { get; } = destination;

    public ProxySession Session { get; } = session;

    /// <summary>The allowlist decision waits for the client certificate (mTLS listeners with certificate-named clients).</summary>
    public bool DecideAfterHandshake { get; init; }

    /// <summary>Set once the terminating handshake succeeded and the relay began.</summary>
    public bool HandshakeDone { get; set; }
}
