namespace YarpEgress.Tunneling.Splice;

/// <summary>
/// One direction of a spliced tunnel: its source socket into a pipe, the pipe out to its destination socket. The pipe
/// is drained into the destination and refilled from the source only once empty, so a splice in never meets a full
/// pipe (its EAGAIN then always means the socket has nothing), and the pipe goes back to the pool whenever it is empty.
/// </summary>
internal struct SpliceDirection
{
    /// <summary>Splices out per <see cref="Progress"/> before the loop serves other tunnels (the tunnel is queued again).</summary>
    public const int Budget = 8;

    /// <summary>The most one splice asks to move; the pipe's capacity bounds it anyway.</summary>
    private const nuint MaxChunk = 1024 * 1024;

    private const uint SpliceFlags = Libc.SpliceMove | Libc.SpliceNonBlock;

    /// <summary>Held only while <see cref="Buffered"/> bytes wait in it for the destination.</summary>
    public PipePair? Pipe;

    public int Buffered;

    /// <summary>The source's FIN was read; once the pipe is drained it is passed on.</summary>
    public bool SourceEnded;

    /// <summary>The FIN went on to the destination (<c>shutdown(SHUT_WR)</c>): this direction is over.</summary>
    public bool Done;

    /// <summary>No pipe could be had (out of descriptors): the loop's timer retries.</summary>
    public bool WaitingForPipe;

    /// <summary>The budget ran out while both sockets were still ready: run again without waiting for epoll.</summary>
    public bool MoreReady;

    public long Total;

    /// <summary>
    /// Moves what readiness allows, at most <see cref="Budget"/> splices out; <paramref name="moved"/> is what reached
    /// the destination. Returns the side whose error ended the tunnel: the destination's, for a failed splice out; the
    /// source's, for a failed splice in, or an EPOLLERR on a source that is not being read (its pipe waits for a
    /// destination that takes nothing, or it is past its FIN): the copier's stall watch, from epoll.
    /// </summary>
    public FailedSide? Progress(ref SpliceSide source, ref SpliceSide destination, PipePool pipes, out int moved)
    {
        moved = 0;
        MoreReady = false;
        var budget = Budget;
        while (!Done)
        {
            if (Buffered > 0)
            {
                if (!destination.Writable)
                {
                    break;
                }

                if (budget-- == 0)
                {
                    MoreReady = true;
                    break;
                }

                var sent = Libc.Splice(Pipe!.Value.ReadFd, 0, destination.Fd, 0, (nuint)Buffered, SpliceFlags);
                if (sent > 0)
                {
                    Buffered -= (int)sent;
                    Total += sent;
                    moved += (int)sent;
                    continue;
                }

                var errno = sent == 0 ? Libc.EAGAIN : Libc.Errno;
                if (errno == Libc.EAGAIN)
                {
                    destination.Writable = false;
                    break;
                }

                if (errno != Libc.EINTR)
                {
                    return FailedSide.Destination;
                }

                continue;
            }

            if (SourceEnded)
            {
                ReleasePipe(pipes);
                _ = Libc.Shutdown(destination.Fd, Libc.ShutWr);
                Done = true;
                break;
            }

            if (!source.Readable)
            {
                break;
            }

            if (Pipe is null)
            {
                WaitingForPipe = !pipes.TryRent(out var pipe);
                if (WaitingForPipe)
                {
                    break;
                }

                Pipe = pipe;
            }

            var received = Libc.Splice(source.Fd, 0, Pipe.Value.WriteFd, 0, MaxChunk, SpliceFlags);
            if (received > 0)
            {
                Buffered = (int)received;
            }
            else if (received == 0)
            {
                SourceEnded = true;
            }
            else
            {
                var errno = Libc.Errno;
                if (errno == Libc.EAGAIN)
                {
                    source.Readable = false;
                }
                else if (errno != Libc.EINTR)
                {
                    return FailedSide.Source;
                }
            }
        }

        if (Buffered == 0)
        {
            ReleasePipe(pipes);
        }

        return source.Error ? FailedSide.Source : null;
    }

    /// <summary>Gives the pipe back, or closes it when it still holds bytes nobody will deliver.</summary>
    public void ReleasePipe(PipePool pipes)
    {
        if (Pipe is { } pipe)
        {
            if (Buffered == 0)
            {
                pipes.Return(pipe);
            }
            else
            {
                PipePool.Destroy(pipe);
            }

            Pipe = null;
            Buffered = 0;
        }
    }
}
