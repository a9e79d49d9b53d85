using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using YarpEgress.Proxying;
using YarpEgress.Tls;

namespace YarpEgress.Listeners.Sni;

/// <summary>
/// Kestrel's TLS for a terminating SNI listener: the handshake within <c>Timeouts:ClientHello</c>, with the certificate
/// (and client CAs) of the connection's own snapshot, so a reload rotates them for new connections.
/// </summary>
internal static class SniTermination
{
    /// <param name="bound">The certificate loaded at start-up, for a snapshot that has none under this name.</param>
    public static TlsHandshakeCallbackOptions Options(string listener, TlsTermination bound, TimeSpan handshakeTimeout) => new()
    {
        HandshakeTimeout = handshakeTimeout,
        OnConnection = tls => ValueTask.FromResult(ServerOptions(
            tls.Connection.Features.Get<ProxyContext>()?.Snapshot.TlsTermination.GetValueOrDefault(listener) ?? bound)),
    };

    private static SslServerAuthenticationOptions ServerOptions(TlsTermination termination) => new()
    {
        ServerCertificateContext = termination.Certificate,
        ClientCertificateRequired = termination.ClientCas is not null,
        RemoteCertificateValidationCallback = termination.ClientCas is { } cas ? (_, certificate, _, _) => CertificateTrust.ChainsTo(certificate, cas, CertificateTrust.ClientAuth) : null,
    };
}
