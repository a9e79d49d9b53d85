using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace YarpEgress.Tls;

/// <summary>Trust anchored in CAs from a PEM file: loading them (with config errors) and checking a chain against them.</summary>
internal static class CertificateTrust
{
    /// <summary>Loads the CA certificates of a PEM file; a missing file or one with no certificate is an error at <paramref name="key"/>.</summary>
    public static X509Certificate2Collection? LoadCas(string path, string key, List<string> errors)
    {
        try
        {
            var cas = new X509Certificate2Collection();
            cas.ImportFromPemFile(path);
            if (cas.Count > 0)
            {
                return cas;
            }

            errors.Add($"{key}: '{path}' holds no PEM certificate");
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
        {
            errors.Add($"{key}: cannot load '{path}': {ex.Message}");
        }

        return null;
    }

    /// <summary>True when the certificate chains to one of <paramref name="roots"/> (no system store, no revocation check).</summary>
    public static bool ChainsTo(X509Certificate? certificate, X509Certificate2Collection roots)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
