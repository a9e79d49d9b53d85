using System.Net;
using YarpEgress.Addressing;
using YarpEgress.Configuration;
using YarpEgress.Telemetry;
using YarpEgress.Upstream;

namespace YarpEgress.Proxying;

/// <summary>
/// What one proxied connection (CONNECT, SNI) or plain-HTTP request carries from its first stage to its end: the config
/// snapshot taken once (<see cref="EgressGate.Snapshot"/>), so the decision and everything that carries it out read the
/// same generation; the listener; the client; the session that records it all; and the ways it can be cut short: the
/// client leaving or the shutdown drain. A connection's context is a connection feature, set by the first stage of
/// its listener's pipeline; it holds nothing to dispose, and the stage that begins the session ends it.
/// </summary>
internal sealed class ProxyContext(EgressSnapshot snapshot, string listener, EndPoint? client, CancellationToken clientGone, CancellationToken draining)
{
    public EgressSnapshot Snapshot { get; } = snapshot;

    /// <summary>The name of the listener that took the connection.</summary>
    public string Listener { get; } = listener;

    /// <summary>The client, as a trusted PROXY header may have replaced it.</summary>
    public EndPoint? Client { get; set; } = client;

    public IPAddress? ClientAddress => (Client as IPEndPoint)?.Address;

    /// <summary>A plain-HTTP request's method, for its log events (null on connections).</summary>
    public string? Method { get; init; }

    /// <summary>The session, once <see cref="Begin"/> said what the connection is.</summary>
    public ProxySession? Session { get; private set; }

    /// <summary>Where the connection goes, once its first stage knows (an SNI connection's server name).</summary>
    public Destination Destination { get; set; }

    /// <summary>
    /// The gate's plan for <see cref="Destination"/>, when a stage before the handshake authorized it; null when the
    /// decision waits for the client certificate (mTLS listeners with certificate-named clients).
    /// </summary>
    public DialPlan? Plan { get; set; }

    /// <summary>The client's connection (or request) is gone.</summary>
    public CancellationToken ClientGone { get; } = clientGone;

    /// <summary>The shutdown drain is over: live tunnels end.</summary>
    public CancellationToken Draining { get; } = draining;

    /// <summary>Starts the session of this connection or request, under its listener and client; the caller ends it.</summary>
    public ProxySession Begin(EgressTelemetry telemetry, string protocol) =>
        Session = telemetry.Begin(Listener, protocol, Client);
}
