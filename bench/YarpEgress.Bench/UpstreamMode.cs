namespace YarpEgress.Bench;

internal enum UpstreamMode
{
    /// <summary>Reads and discards everything (for upload).</summary>
    Sink,

    /// <summary>Writes an endless stream and discards what it receives (for download).</summary>
    Source,

    /// <summary>After the first bytes arrive, writes a 64-byte answer, waits for the client's FIN and closes (one exchange per connection).</summary>
    RequestResponse,

    /// <summary>A minimal HTTP/1.1 server: every request head gets a fixed 200 with the payload, keep-alive.</summary>
    Http,
}
