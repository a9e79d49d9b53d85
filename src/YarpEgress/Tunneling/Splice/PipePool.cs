namespace YarpEgress.Tunneling.Splice;

/// <summary>
/// The empty pipes of one loop, shared by its tunnels: a direction holds a pipe only while bytes sit in it (its
/// destination did not take them all), and gives it back the moment it is drained, so an idle tunnel holds none and
/// the loop keeps at most <see cref="MaxFree"/> spare. Used on the loop's thread only, except <see cref="TryCreate"/>.
/// </summary>
internal sealed unsafe class PipePool : IDisposable
{
    /// <summary>Spare pipes kept open: enough for the tunnels that move bytes at one time on one loop.</summary>
    public const int MaxFree = 32;

    private readonly Stack<PipePair> _free = new();
    private volatile int _pipeBytes;

    /// <summary>Pipes on the shelf; read by other threads as a hint.</summary>
    public int Free => Volatile.Read(ref _count);

    private int _count;

    /// <summary>The capacity new pipes ask for (0: the kernel's default); set by each new tunnel from the live config.</summary>
    public int PipeBytes
    {
        get => _pipeBytes;
        set => _pipeBytes = value;
    }

    /// <summary>A nonblocking pipe of <paramref name="bytes"/> (0: the kernel's default); false when the process or system is out of descriptors.</summary>
    public static bool TryCreate(int bytes, out PipePair pipe)
    {
        var fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.NonBlocking | Libc.CloseOnExec) != 0)
        {
            pipe = default;
            return false;
        }

        if (bytes > 0)
        {
            // A pipe over the user's pipe-user-pages-soft, or above pipe-max-size, keeps its default size: still a pipe.
            _ = Libc.Fcntl(fds[1], Libc.FSetPipeSize, bytes);
        }

        pipe = new PipePair(fds[0], fds[1]);
        return true;
    }

    public bool TryRent(out PipePair pipe)
    {
        if (_free.TryPop(out pipe))
        {
            Volatile.Write(ref _count, _free.Count);
            return true;
        }

        return TryCreate(_pipeBytes, out pipe);
    }

    /// <summary>Takes back a drained pipe (one that still holds bytes must be <see cref="Destroy"/>ed instead).</summary>
    public void Return(PipePair pipe)
    {
        if (_free.Count >= MaxFree)
        {
            Destroy(pipe);
            return;
        }

        _free.Push(pipe);
        Volatile.Write(ref _count, _free.Count);
    }

    public static void Destroy(PipePair pipe)
    {
        _ = Libc.Close(pipe.ReadFd);
        _ = Libc.Close(pipe.WriteFd);
    }

    public void Dispose()
    {
        while (_free.TryPop(out var pipe))
        {
            Destroy(pipe);
        }

        Volatile.Write(ref _count, 0);
    }
}
