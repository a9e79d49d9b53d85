using YarpEgress.Transport;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// The transport's raw client writes, recorded: what a middleware sends now and what it sends last (before its FIN),
/// for tests that run connection middleware over an in-memory pipe.
/// </summary>
internal sealed class RecordingClientSend : IClientSendFeature
{
    private readonly MemoryStream _sent = new();
    private readonly Lock _gate = new();

    /// <summary>Everything sent, in order.</summary>
    public byte[] Sent
    {
        get
        {
            lock (_gate)
            {
                return _sent.ToArray();
            }
        }
    }

    /// <summary>True once a last message went out (and the sending direction was shut).</summary>
    public bool Finished { get; private set; }

    /// <summary>When set, the next send throws as a socket whose client is gone does.</summary>
    public bool ClientGone { get; set; }

    public ValueTask SendNowAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (ClientGone)
        {
            throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset);
        }

        Record(bytes);
        return ValueTask.CompletedTask;
    }

    public Task SendFinalAsync(ReadOnlyMemory<byte> bytes, TimeProvider time)
    {
        if (!ClientGone)
        {
            Record(bytes);
        }

        Finished = true;
        return Task.CompletedTask;
    }

    private void Record(ReadOnlyMemory<byte> bytes)
    {
        lock (_gate)
        {
            _sent.Write(bytes.Span);
        }
    }
}
