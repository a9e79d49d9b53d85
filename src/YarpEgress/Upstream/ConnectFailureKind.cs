namespace YarpEgress.Upstream;

/// <summary>Why an upstream could not be reached; what each means to the client is in <see cref="ConnectFailure"/>.</summary>
internal enum ConnectFailureKind
{
    /// <summary>The name did not resolve.</summary>
    Dns,

    /// <summary>Every address refused the connection.</summary>
    Refused,

    /// <summary>No route, network down, host unreachable.</summary>
    Unreachable,

    /// <summary>The connect deadline passed.</summary>
    Timeout,

    /// <summary>Every address is one the address policy denies: private, loopback, the gateway itself.</summary>
    AddressDenied,

    /// <summary>The destination's circuit breaker is open after repeated failures.</summary>
    CircuitOpen,

    /// <summary>TLS the gateway originated failed: certificate, name or handshake.</summary>
    Tls,

    /// <summary>The parent proxy of a <c>Via</c> route refused or failed the request.</summary>
    ParentProxy,
}
