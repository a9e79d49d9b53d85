using System.Net.Sockets;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// Counts the open upstream connections of every plain-HTTP forwarder pool together (every invoker, old generations
/// included until they are disposed), for <c>Limits:MaxUpstreamHttpConnections</c> and the
/// <c>egress.upstream.http_connections</c> gauge. A connection counts from its dial to its close.
/// </summary>
internal sealed class UpstreamHttpConnections
{
    private long _open;

    public long Open => Volatile.Read(ref _open);

    /// <summary>Wraps a dialed socket in a stream that leaves the count when it is disposed.</summary>
    public NetworkStream Track(Socket socket)
    {
        Interlocked.Increment(ref _open);
        return new CountedNetworkStream(socket, this);
    }

    private void Closed() => Interlocked.Decrement(ref _open);

    /// <summary>
    /// A plain <see cref="NetworkStream"/> (no wrapper on the read and write path) that counts its close once and tells
    /// each request it carries where it went (<see cref="DialedAddress"/>).
    /// </summary>
    private sealed class CountedNetworkStream(Socket socket, UpstreamHttpConnections owner) : NetworkStream(socket, ownsSocket: true)
    {
        private readonly string? _remote = DialedAddress.Of(socket);
        private int _closed;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            DialedAddress.Written(_remote);
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            DialedAddress.Written(_remote);
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                owner.Closed();
            }

            base.Dispose(disposing);
        }
    }
}
