namespace YarpEgress.Transport;

/// <summary>How reading a connection's first message (PROXY header, request head, ClientHello) under a deadline ended.</summary>
internal enum PeekOutcome
{
    /// <summary>The message is complete and well formed.</summary>
    Parsed,

    /// <summary>The bytes are something else (not a PROXY header, not CONNECT, not TLS): every byte is left for the next reader.</summary>
    NotThisProtocol,

    /// <summary>The message is malformed.</summary>
    Malformed,

    /// <summary>The message exceeds its byte cap.</summary>
    TooLarge,

    /// <summary>The deadline passed before the message was complete.</summary>
    TimedOut,

    /// <summary>The client closed, reset or aborted before the message was complete.</summary>
    ClientGone,
}
