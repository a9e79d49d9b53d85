namespace YarpEgress.Tls;

/// <summary>What <see cref="ClientHelloParser"/> made of the bytes so far.</summary>
internal enum ClientHelloStatus
{
    /// <summary>More bytes are needed.</summary>
    Incomplete,

    /// <summary>A whole ClientHello was read.</summary>
    Complete,

    /// <summary>The first bytes are not a TLS handshake record (plain HTTP, SSLv2-style hello, garbage).</summary>
    NotTls,

    /// <summary>A TLS handshake that breaks the ClientHello grammar.</summary>
    Malformed,

    /// <summary>The ClientHello would need more bytes than the cap.</summary>
    TooLarge,
}
