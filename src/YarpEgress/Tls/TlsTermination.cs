using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using YarpEgress.Configuration;

namespace YarpEgress.Tls;

/// <summary>The loaded certificate material of a Terminate-mode SNI listener.</summary>
internal sealed class TlsTermination(SslStreamCertificateContext certificate, X509Certificate2Collection? clientCas)
{
    public SslStreamCertificateContext Certificate { get; } = certificate;

    /// <summary>When set, clients must present a certificate that chains to one of these.</summary>
    public X509Certificate2Collection? ClientCas { get; } = clientCas;

    /// <summary>Loads the PEM files named by <paramref name="options"/>; each problem is an error at <paramref name="key"/>.</summary>
    public static TlsTermination? Load(SniTlsOptions options, string key, List<string> errors)
    {
        var before = errors.Count;
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            errors.Add($"{key}:CertificatePath: Terminate mode needs a PEM certificate");
        }

        if (string.IsNullOrWhiteSpace(options.KeyPath))
        {
            errors.Add($"{key}:KeyPath: Terminate mode needs the certificate's PEM private key");
        }

        if (errors.Count > before)
        {
            return null;
        }

        SslStreamCertificateContext? context = null;
        try
        {
            var leaf = X509Certificate2.CreateFromPemFile(options.CertificatePath!, options.KeyPath);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(options.CertificatePath!);
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
            errors.Add($"{key}:CertificatePath: cannot load '{options.CertificatePath}' with key '{options.KeyPath}': {ex.Message}");
        }

        var cas = string.IsNullOrWhiteSpace(options.ClientCaPath) ? null : CertificateTrust.LoadCas(options.ClientCaPath, $"{key}:ClientCaPath", errors);

        return errors.Count > before || context is null ? null : new TlsTermination(context, cas);
    }
}
