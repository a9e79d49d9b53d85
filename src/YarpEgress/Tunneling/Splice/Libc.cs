using System.Runtime.InteropServices;

namespace YarpEgress.Tunneling.Splice;

/// <summary>
/// The few libc calls the splice engine makes, with Linux's constants (the same on x86-64 and arm64). Every call sets
/// errno for <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe partial class Libc
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;

    public const int CloseOnExec = 0x80000; // O_CLOEXEC, EPOLL_CLOEXEC, EFD_CLOEXEC
    public const int NonBlocking = 0x800; // O_NONBLOCK, EFD_NONBLOCK

    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const uint EpollIn = 0x001;
    public const uint EpollOut = 0x004;
    public const uint EpollErr = 0x008;
    public const uint EpollHup = 0x010;
    public const uint EpollRdHup = 0x2000;
    public const uint EpollEt = 1u << 31;

    public const uint SpliceMove = 1;
    public const uint SpliceNonBlock = 2;

    public const int FGetFl = 3;
    public const int FSetFl = 4;
    public const int FSetPipeSize = 1031;

    public const int ShutWr = 1;

    public const int MsgTrunc = 0x20;
    public const int MsgDontWait = 0x40;
    public const int MsgNoSignal = 0x4000;

    private const string Library = "libc";

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport(Library, EntryPoint = "splice", SetLastError = true)]
    public static partial nint Splice(int fdIn, nint offIn, int fdOut, nint offOut, nuint length, uint flags);

    [LibraryImport(Library, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport(Library, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>
    /// Makes sure the descriptor does not block. The runtime sets O_NONBLOCK on a socket at its first asynchronous
    /// operation, which a tunnel's sockets have had (receives, the connect), so this is one fcntl that changes nothing;
    /// a blocking socket would stall the whole loop.
    /// </summary>
    public static bool EnsureNonBlocking(int fd)
    {
        var flags = Fcntl(fd, FGetFl, 0);
        return flags >= 0 && ((flags & NonBlocking) != 0 || Fcntl(fd, FSetFl, flags | NonBlocking) == 0);
    }
}
