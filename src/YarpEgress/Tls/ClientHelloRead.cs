namespace YarpEgress.Tls;

/// <summary>The outcome of peeking at a ClientHello on a connection: the parse status, or that the client was too slow.</summary>
internal readonly record struct ClientHelloRead(ClientHelloStatus Status, ClientHello Hello, string Error, bool TimedOut);
