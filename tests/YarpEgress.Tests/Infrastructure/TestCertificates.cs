using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>A test CA and a server certificate it signed for the test names, made once per test run.</summary>
internal static class TestCertificates
{
    public static readonly string[] ServerNames = ["a.example.test", "b.example.test", "localhost"];

    private static readonly Lazy<(X509Certificate2 Root, X509Certificate2 Server, X509Certificate2 Client)> Set = new(Create);

    public static X509Certificate2 Root => Set.Value.Root;

    public static X509Certificate2 Server => Set.Value.Server;

    /// <summary>A client certificate (CN=workload.test) signed by the test root, for mutual TLS.</summary>
    public static X509Certificate2 Client => Set.Value.Client;

    /// <summary>
    /// A certificate signed by the test root for <paramref name="commonName"/>, with exactly the given extended key
    /// usages (OIDs); none: no EKU extension at all.
    /// </summary>
    public static X509Certificate2 Issue(string commonName, params string[] extendedKeyUsages)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        if (extendedKeyUsages.Length > 0)
        {
            var usages = new OidCollection();
            foreach (var oid in extendedKeyUsages)
            {
                usages.Add(new Oid(oid));
            }

            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        }

        return Issue(request, key, Root, DateTimeOffset.UtcNow);
    }

    /// <summary>Writes the server certificate and its key as PEM files; returns their paths.</summary>
    public static (string Certificate, string Key) WriteServerPem()
    {
        var directory = TestTemp.NewDirectory("tls-");
        var certificate = Path.Combine(directory, "tls.crt");
        var key = Path.Combine(directory, "tls.key");
        File.WriteAllText(certificate, Server.ExportCertificatePem());
        File.WriteAllText(key, Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificate, key);
    }

    /// <summary>Accepts only a chain to the test root whose leaf names the requested host: a real check, not "accept all".</summary>
    public static bool ValidateAgainstTestRoot(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(Root);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(new X509Certificate2(certificate));
    }

    /// <summary>Writes the root in PEM form, for curl's --cacert and openssl's -CAfile.</summary>
    public static string WriteRootPem()
    {
        var path = TestTemp.NewFile("test-root-", ".pem");
        File.WriteAllText(path, Root.ExportCertificatePem());
        return path;
    }

    private static (X509Certificate2, X509Certificate2, X509Certificate2) Create()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=YarpEgress Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        var root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=a.example.test", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in ServerNames)
        {
            san.AddDnsName(name);
        }

        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var server = Issue(serverRequest, serverKey, root, now);

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest("CN=workload.test", clientKey, HashAlgorithmName.SHA256);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var client = Issue(clientRequest, clientKey, root, now);
        return (root, server, client);
    }

    private static X509Certificate2 Issue(CertificateRequest request, ECDsa key, X509Certificate2 issuer, DateTimeOffset now)
    {
        using var issued = request.Create(issuer, now.AddDays(-1), now.AddDays(29), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        // Round-trip through PKCS#12 so SslStream on Linux can use the private key.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
