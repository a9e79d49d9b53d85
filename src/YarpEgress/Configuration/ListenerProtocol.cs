namespace YarpEgress.Configuration;

/// <summary>What a listener speaks.</summary>
public enum ListenerProtocol
{
    /// <summary>HTTP/1.1 forward proxy: absolute-form plain-HTTP requests and CONNECT tunnels.</summary>
    Http,

    /// <summary>TLS on the wire, routed by the ClientHello's server name (passed through, or terminated).</summary>
    Sni,
}
