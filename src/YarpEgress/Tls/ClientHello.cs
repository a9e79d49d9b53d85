namespace YarpEgress.Tls;

/// <summary>What the gateway needs from a ClientHello: the server name (null when absent) and the first ALPN protocol.</summary>
internal readonly record struct ClientHello(string? ServerName, string? Alpn);
