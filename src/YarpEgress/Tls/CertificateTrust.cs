using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using YarpEgress.Diagnostics;

namespace YarpEgress.Tls;

/// <summary>Trust anchored in CAs from a PEM file: loading them (with config errors) and checking a chain against them.</summary>
internal static class CertificateTrust
{
    /// <summary>Loads the CA certificates of a PEM file; a missing file or one with no certificate is an error at the sink's key.</summary>
    public static X509Certificate2Collection? LoadCas(string path, IErrorSink errors)
    {
        try
        {
            var cas = new X509Certificate2Collection();
            cas.ImportFromPemFile(path);
            if (cas.Count > 0)
            {
                return cas;
            }

            errors.Add($"'{path}' holds no PEM certificate");
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
        {
            errors.Add($"cannot load '{path}': {ex.Message}");
        }

        return null;
    }

    /// <summary>Extended key usage for TLS servers (RFC 5280 4.2.1.12, id-kp-serverAuth).</summary>
    public static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");

    /// <summary>Extended key usage for TLS clients (RFC 5280 4.2.1.12, id-kp-clientAuth).</summary>
    public static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <summary>
    /// True when the certificate chains to one of <paramref name="roots"/> (no system store, no revocation check) and
    /// may be used for <paramref name="usage"/>: every certificate of the chain that has an extended key usage
    /// extension must list it (one without the extension is good for any use, as TLS stacks treat it).
    /// </summary>
    public static bool ChainsTo(X509Certificate? certificate, X509Certificate2Collection roots, Oid usage)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(usage);
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
