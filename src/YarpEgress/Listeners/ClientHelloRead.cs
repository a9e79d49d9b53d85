using YarpEgress.Tls;
using YarpEgress.Transport;

namespace YarpEgress.Listeners;

/// <summary>The outcome of peeking at a connection's ClientHello: how the peek ended, the hello when parsed, and why not in words.</summary>
internal readonly record struct ClientHelloRead(PeekOutcome Outcome, ClientHello Hello, string Error);
