using System.Buffers;
using System.Net.Sockets;

namespace YarpEgress.Transport;

/// <summary>
/// A client socket taken from the transport, and the bytes it had already received but nobody read (pipelined after a
/// CONNECT head, or a peeked ClientHello); they go upstream first. <see cref="Dispose"/> returns their pooled buffer.
/// </summary>
internal sealed class DetachedSocket(Socket socket, byte[]? pending, int pendingLength) : IDisposable
{
    private byte[]? _pending = pending;

    public Socket Socket { get; } = socket;

    public ReadOnlyMemory<byte> Pending => _pending is null ? ReadOnlyMemory<byte>.Empty : _pending.AsMemory(0, pendingLength);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _pending, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
