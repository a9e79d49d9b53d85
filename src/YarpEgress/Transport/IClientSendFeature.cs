namespace YarpEgress.Transport;

/// <summary>
/// Writing to an accepted client connection outside Kestrel's HTTP pipeline (a CONNECT answer, an error response, a
/// TLS alert), straight to the client: completing the transport's output pipe would shut down both directions, and its
/// send loop would flush only after a FIN sent beside it. Offered by <see cref="EgressSocketConnection"/>; a test
/// offers its own, so every connection middleware runs over an in-memory pipe.
/// </summary>
internal interface IClientSendFeature
{
    /// <summary>Sends every byte now; throws when the client is gone.</summary>
    ValueTask SendNowAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a last message (an error response, a TLS alert), then FIN, then lingers briefly reading and discarding
    /// what the client still sends, so that closing with unread bytes does not become a reset that destroys the
    /// message before the client reads it. A client that is already gone is not an error.
    /// </summary>
    Task SendFinalAsync(ReadOnlyMemory<byte> bytes, TimeProvider time);
}
