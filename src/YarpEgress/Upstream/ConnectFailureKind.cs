namespace YarpEgress.Upstream;

/// <summary>Why an upstream could not be reached; decides the status code the client sees.</summary>
internal enum ConnectFailureKind
{
    /// <summary>The name did not resolve (502).</summary>
    Dns,

    /// <summary>Every address refused the connection (502).</summary>
    Refused,

    /// <summary>No route, network down, host unreachable (502).</summary>
    Unreachable,

    /// <summary>The connect deadline passed (504).</summary>
    Timeout,

    /// <summary>Every address is one the address policy denies: private, loopback, the gateway itself (403).</summary>
    AddressDenied,

    /// <summary>The destination's circuit breaker is open after repeated failures (503).</summary>
    CircuitOpen,

    /// <summary>TLS the gateway originated failed: certificate, name or handshake (502).</summary>
    Tls,

    /// <summary>The parent proxy of a <c>Via</c> route refused or failed the request (502).</summary>
    ParentProxy,
}
