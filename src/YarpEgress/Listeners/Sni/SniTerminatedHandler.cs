using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;

namespace YarpEgress.Listeners.Sni;

/// <summary>
/// The last stage of a terminating SNI listener, after Kestrel's TLS handshake succeeded: decides by the client
/// certificate when the inspect stage left that for now, then dials the destination the server name chose and relays
/// the plain bytes inside the TLS.
/// </summary>
internal sealed class SniTerminatedHandler(EgressGate gate, TunnelStep tunnels)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var context = connection.Features.GetRequiredFeature<ProxyContext>();
        var session = context.Session!;
        session.End = ConnectionEnd.Closed; // the handshake is done; what follows says how the connection ended

        // What the client's TLS runs with now is the gateway's choice, not the client's offers (none, unless offered).
        var negotiated = connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol ?? ReadOnlyMemory<byte>.Empty;
        session.Alpn = negotiated.IsEmpty ? null : Encoding.ASCII.GetString(negotiated.Span);
        if (context.Plan is not { } plan)
        {
            var certificate = connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate;
            var authorization = await gate.AuthorizeAsync(context, context.Destination, Credentials.ClientCertificate(certificate));
            if (!authorization.IsAllowed)
            {
                return; // the handshake is over: no alert to send, the connection just closes
            }

            plan = authorization.Plan;
        }

        var (upstream, _) = await tunnels.DialAsync(context, plan);
        if (upstream is not null)
        {
            await tunnels.RelayAsync(context, connection, rawClient: false, upstream);
        }
    }
}
