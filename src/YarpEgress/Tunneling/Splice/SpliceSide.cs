namespace YarpEgress.Tunneling.Splice;

/// <summary>
/// One socket of a spliced tunnel and what epoll last said about it. Registration is edge-triggered, so these flags
/// hold the readiness until a call on the socket answers EAGAIN; <see cref="Error"/> is an EPOLLERR not yet consumed
/// by a call that returned it.
/// </summary>
internal struct SpliceSide(int fd)
{
    public readonly int Fd = fd;

    public bool Readable = true;

    public bool Writable = true;

    public bool Error;

    /// <summary>While the tunnel closes in order: this side's FIN (or an error) has been read.</summary>
    public bool Drained;

    public void Update(uint events)
    {
        if ((events & (Libc.EpollIn | Libc.EpollRdHup | Libc.EpollHup | Libc.EpollErr)) != 0)
        {
            Readable = true;
        }

        if ((events & (Libc.EpollOut | Libc.EpollHup | Libc.EpollErr)) != 0)
        {
            Writable = true;
        }

        if ((events & Libc.EpollErr) != 0)
        {
            Error = true;
        }
    }
}
