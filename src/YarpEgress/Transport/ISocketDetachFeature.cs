namespace YarpEgress.Transport;

/// <summary>
/// Offered by connections of <see cref="EgressSocketTransportFactory"/>: a tunnel takes the client's socket away from
/// the transport's pipes, so that its bytes move socket to socket with the gateway's own buffers.
/// </summary>
internal interface ISocketDetachFeature
{
    /// <summary>
    /// Stops the transport's receive and send loops (after what was already written to the output is sent) and hands
    /// over the socket with the bytes the pipe had received but nobody consumed. Null when the transport was already
    /// closed or detached.
    /// </summary>
    ValueTask<DetachedSocket?> DetachAsync();
}
