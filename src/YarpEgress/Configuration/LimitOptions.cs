namespace YarpEgress.Configuration;

/// <summary><c>Egress:Limits</c>.</summary>
public sealed class LimitOptions
{
    /// <summary>Largest CONNECT request head (request line and headers) accepted; beyond it the client gets 431.</summary>
    public int MaxRequestHeadBytes { get; set; } = 16 * 1024;

    /// <summary>Largest TLS ClientHello (all its records) an SNI listener buffers; beyond it the client gets a decode_error alert.</summary>
    public int MaxClientHelloBytes { get; set; } = 16 * 1024;
}
