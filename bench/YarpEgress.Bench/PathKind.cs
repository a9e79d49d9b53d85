namespace YarpEgress.Bench;

/// <summary>How the load reaches an upstream.</summary>
internal enum PathKind
{
    /// <summary>Straight to the upstream: the baseline.</summary>
    Direct,

    /// <summary>An HTTP CONNECT tunnel through the proxy.</summary>
    Connect,

    /// <summary>TLS passthrough: the proxy routes by the ClientHello's server name.</summary>
    Sni,
}
