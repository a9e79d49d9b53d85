using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using YarpEgress.Configuration;
using YarpEgress.Tls;

namespace YarpEgress.Listeners.Sni;

internal static class SniListenOptionsExtensions
{
    /// <summary>
    /// Makes this listener an SNI listener: the router peeks and decides; in Terminate mode Kestrel's TLS runs next,
    /// with the certificate of the current config snapshot (so a reload rotates it), and the router relays after it.
    /// </summary>
    public static ListenOptions UseSni(this ListenOptions listen, ListenerOptions listener, TlsTermination? termination)
    {
        var router = listen.ApplicationServices.GetRequiredService<SniRouter>();
        listen.Use(next => context => router.OnConnectionAsync(context, next, listener));
        if (termination is null)
        {
            return listen;
        }

        var store = listen.ApplicationServices.GetRequiredService<EgressConfigStore>();
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            HandshakeTimeout = store.Current.Timeouts.ClientHello,
            OnConnection = _ => ValueTask.FromResult(ServerOptions(store.Current.TlsTermination.GetValueOrDefault(listener.Name) ?? termination)),
        });
        listen.Use(_ => router.OnTerminatedAsync);
        return listen;
    }

    private static SslServerAuthenticationOptions ServerOptions(TlsTermination termination) => new()
    {
        ServerCertificateContext = termination.Certificate,
        ClientCertificateRequired = termination.ClientCas is not null,
        RemoteCertificateValidationCallback = termination.ClientCas is { } cas ? (_, certificate, _, _) => CertificateTrust.ChainsTo(certificate, cas, CertificateTrust.ClientAuth) : null,
    };
}
