using System.Security.Cryptography.X509Certificates;
using YarpEgress.Authentication;

namespace YarpEgress.Proxying;

/// <summary>What a connection or request presents to say which client it is, besides its source address.</summary>
internal readonly struct Credentials
{
    private Credentials(CredentialsKind kind, string? proxyAuthorization, ConnectionCredentials? memo, X509Certificate2? certificate)
    {
        Kind = kind;
        ProxyAuthorization = proxyAuthorization;
        Memo = memo;
        Certificate = certificate;
    }

    /// <summary>A TLS connection before (or without) its client certificate: nothing but the source.</summary>
    public static Credentials None => default;

    public CredentialsKind Kind { get; }

    /// <summary>With <see cref="CredentialsKind.ProxyAuthorization"/>: the header's value (null when absent).</summary>
    public string? ProxyAuthorization { get; }

    /// <summary>A keep-alive connection's memo of the credentials it had accepted (plain HTTP).</summary>
    public ConnectionCredentials? Memo { get; }

    /// <summary>With <see cref="CredentialsKind.Certificate"/>: the verified client certificate (null when none was sent).</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>CONNECT and plain HTTP: the <c>Proxy-Authorization</c> header, if any.</summary>
    public static Credentials Header(string? proxyAuthorization, ConnectionCredentials? memo = null) =>
        new(CredentialsKind.ProxyAuthorization, proxyAuthorization, memo, null);

    /// <summary>After an mTLS handshake: the certificate's names pick the client.</summary>
    public static Credentials ClientCertificate(X509Certificate2? certificate) =>
        new(CredentialsKind.Certificate, null, null, certificate);
}
