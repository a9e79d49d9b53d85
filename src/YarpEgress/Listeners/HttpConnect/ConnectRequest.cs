namespace YarpEgress.Listeners.HttpConnect;

/// <summary>A parsed CONNECT request head: the authority asked for, and the headers the gateway uses.</summary>
internal readonly record struct ConnectRequest(string Authority, string? ProxyAuthorization);
