namespace YarpEgress.Proxying;

/// <summary>Which kind of <see cref="Credentials"/> a connection or request presents.</summary>
internal enum CredentialsKind
{
    /// <summary>Nothing but the source address (SNI before, or without, a client certificate).</summary>
    None,

    /// <summary>The <c>Proxy-Authorization</c> header (CONNECT, plain HTTP).</summary>
    ProxyAuthorization,

    /// <summary>The client certificate of an mTLS handshake.</summary>
    Certificate,
}
