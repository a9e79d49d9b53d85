using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using YarpEgress.Diagnostics;

namespace YarpEgress.Tls;

/// <summary>The loaded certificate material of a Terminate-mode SNI listener.</summary>
internal sealed class TlsTermination(SslStreamCertificateContext certificate, X509Certificate2Collection? clientCas)
{
    public SslStreamCertificateContext Certificate { get; } = certificate;

    /// <summary>When set, clients must present a certificate that chains to one of these.</summary>
    public X509Certificate2Collection? ClientCas { get; } = clientCas;

    /// <summary>
    /// Loads the PEM certificate (with its chain), its key and, when given, the CAs that client certificates must chain
    /// to; each problem is an error at its key (<c>CertificatePath</c>, <c>KeyPath</c>, <c>ClientCaPath</c>) below the sink's.
    /// </summary>
    public static TlsTermination? Load(string? certificatePath, string? keyPath, string? clientCaPath, IErrorSink errors)
    {
        var complete = true;
        if (string.IsNullOrWhiteSpace(certificatePath))
        {
            errors.Add("CertificatePath", "Terminate mode needs a PEM certificate");
            complete = false;
        }

        if (string.IsNullOrWhiteSpace(keyPath))
        {
            errors.Add("KeyPath", "Terminate mode needs the certificate's PEM private key");
            complete = false;
        }

        if (!complete)
        {
            return null;
        }

        SslStreamCertificateContext? context = null;
        try
        {
            var leaf = X509Certificate2.CreateFromPemFile(certificatePath!, keyPath);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(certificatePath!);
            var intermediates = new X509Certificate2Collection();
            foreach (var cert in chain)
            {
                if (cert.Thumbprint != leaf.Thumbprint)
                {
                    intermediates.Add(cert);
                }
            }

            context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException or ArgumentException)
        {
            errors.Add("CertificatePath", $"cannot load '{certificatePath}' with key '{keyPath}': {ex.Message}");
        }

        X509Certificate2Collection? cas = null;
        if (!string.IsNullOrWhiteSpace(clientCaPath))
        {
            cas = CertificateTrust.LoadCas(clientCaPath, errors.Scope("ClientCaPath"));
            complete = cas is not null;
        }

        return complete && context is not null ? new TlsTermination(context, cas) : null;
    }
}
