using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace YarpEgress.Transport;

/// <summary>
/// A client socket taken from the transport, and the bytes it had already received but nobody read (pipelined after a
/// CONNECT head, or a peeked ClientHello); they go upstream first. <see cref="Pending"/> stays in the transport's pipe
/// segments, no copy: <see cref="ReleasePending"/> (or <see cref="Dispose"/>) gives them back once they are sent.
/// </summary>
internal sealed class DetachedSocket(Socket socket, PipeReader input, ReadOnlySequence<byte> pending) : IDisposable
{
    private PipeReader? _input = input;

    public Socket Socket { get; } = socket;

    /// <summary>The unread bytes; valid until <see cref="ReleasePending"/>.</summary>
    public ReadOnlySequence<byte> Pending { get; private set; } = pending;

    /// <summary>Completes the transport's input pipe, which returns its segments to the pool. Idempotent.</summary>
    public void ReleasePending()
    {
        if (Interlocked.Exchange(ref _input, null) is { } reader)
        {
            Pending = ReadOnlySequence<byte>.Empty;
            reader.Complete();
        }
    }

    public void Dispose() => ReleasePending();
}
