namespace YarpEgress.Listeners.HttpConnect;

/// <summary>What <see cref="ConnectRequestParser"/> made of the bytes so far.</summary>
internal enum HeadParseStatus
{
    /// <summary>More bytes are needed.</summary>
    Incomplete,

    /// <summary>A whole CONNECT head was read.</summary>
    Complete,

    /// <summary>Not a CONNECT request: hand the bytes on, untouched, to the HTTP server.</summary>
    NotConnect,

    /// <summary>Malformed: answer 400.</summary>
    Invalid,

    /// <summary>The head is larger than allowed: answer 431.</summary>
    TooLarge,

    /// <summary>Not CONNECT, and its absolute-form target has a scheme other than http: a plain-HTTP refusal (400).</summary>
    UnsupportedScheme,
}
