namespace YarpEgress.Listeners;

/// <summary>What a listener serves, derived once from its options (<see cref="ListenerInfo.For"/>).</summary>
internal enum ListenerKind
{
    /// <summary>CONNECT and plain HTTP.</summary>
    HttpProxy,

    /// <summary>SNI, relaying the client's TLS untouched.</summary>
    SniPassthrough,

    /// <summary>SNI, terminating the client's TLS with the gateway's certificate.</summary>
    SniTerminate,

    /// <summary>The admin listener: health, metrics, config and connection views.</summary>
    Admin,
}
