using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using YarpEgress.Proxying;
using YarpEgress.Tls;
using YarpEgress.Transport;

namespace YarpEgress.Listeners.Sni;

/// <summary>
/// The last stage of a passthrough SNI listener: dials what the inspect stage authorized and relays the untouched TLS
/// bytes, the peeked ClientHello first. A failed dial is answered with the alert its kind names.
/// </summary>
internal sealed class SniPassthroughHandler(TunnelStep tunnels, TimeProvider time)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var context = connection.Features.GetRequiredFeature<ProxyContext>();
        var (upstream, failure) = await tunnels.DialAsync(context, context.Plan!.Value);
        if (upstream is null)
        {
            if (failure is not null)
            {
                await connection.Features.GetRequiredFeature<IClientSendFeature>().SendFinalAsync(TlsAlert.Fatal(failure.Failure.TlsAlert), time);
            }

            return;
        }

        await tunnels.RelayAsync(context, connection, rawClient: true, upstream);
    }
}
