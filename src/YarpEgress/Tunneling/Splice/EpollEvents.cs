using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace YarpEgress.Tunneling.Splice;

/// <summary>
/// <c>struct epoll_event</c> read and written in place: packed on x86-64 (12 bytes, data at 4), naturally aligned on
/// arm64 (16 bytes, data at 8). A layout chosen at run time spares two struct declarations per architecture.
/// </summary>
internal static unsafe class EpollEvents
{
    public static readonly bool Supported = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public static readonly int Size = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public static void Write(byte* at, uint events, ulong data)
    {
        Unsafe.WriteUnaligned(at, events);
        Unsafe.WriteUnaligned(at + DataOffset, data);
    }

    public static uint Events(byte* events, int index) => Unsafe.ReadUnaligned<uint>(events + (index * Size));

    public static ulong Data(byte* events, int index) => Unsafe.ReadUnaligned<ulong>(events + (index * Size) + DataOffset);
}
