using System.Buffers;
using System.Runtime.InteropServices;

namespace YarpEgress.Listeners.HttpConnect;

/// <summary>
/// The scheme of the first request's absolute-form target, looked at before Kestrel parses it. Kestrel takes a target
/// as absolute-form only when it starts with exactly <c>http://</c> or <c>https://</c>; anything else
/// (<c>ws://</c>, <c>ftp://</c>, <c>HTTP://</c>) it reads as authority-form and answers with a bare 400 that the
/// gateway never sees. Here a scheme that is http or https in another case is lowered in place (schemes are
/// case-insensitive, RFC 3986 3.1), and any other scheme is reported, to be refused with the gateway's own 400.
/// </summary>
internal static class FirstRequestScheme
{
    /// <summary>How far into the request line the method and scheme must show.</summary>
    private const int Window = 64;

    /// <param name="buffer">The first bytes of a request that is not CONNECT.</param>
    /// <param name="scheme">For <see cref="SchemeCheck.Unsupported"/>, the scheme.</param>
    public static SchemeCheck Check(in ReadOnlySequence<byte> buffer, out string scheme)
    {
        scheme = string.Empty;
        Span<byte> start = stackalloc byte[Window];
        var have = (int)Math.Min(buffer.Length, Window);
        buffer.Slice(0, have).CopyTo(start);
        var line = start[..have];
        var space = line.IndexOfAny((byte)' ', (byte)'\r', (byte)'\n');
        if (space < 0)
        {
            return have == Window ? SchemeCheck.Fine : SchemeCheck.NeedMore;
        }

        if (line[space] != (byte)' ')
        {
            return SchemeCheck.Fine; // not a request line Kestrel will take anyway
        }

        var targetStart = space + 1;
        var target = line[targetStart..];
        var length = 0;
        while (length < target.Length && IsSchemeChar(target[length], first: length == 0))
        {
            length++;
        }

        if (length == target.Length)
        {
            return have == Window ? SchemeCheck.Fine : SchemeCheck.NeedMore;
        }

        if (length == 0 || target[length] != (byte)':')
        {
            return SchemeCheck.Fine; // origin-form, asterisk-form, or no scheme at all
        }

        if (target.Length < length + 3)
        {
            return have == Window ? SchemeCheck.Fine : SchemeCheck.NeedMore;
        }

        if (!target.Slice(length + 1, 2).SequenceEqual("//"u8))
        {
            return SchemeCheck.Fine; // authority-form (host:port): Kestrel answers that
        }

        var name = target[..length];
        if (name.SequenceEqual("http"u8) || name.SequenceEqual("https"u8))
        {
            return SchemeCheck.Fine;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(name, "http"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "https"u8))
        {
            Lower(buffer.Slice(targetStart, length));
            return SchemeCheck.Fine;
        }

        scheme = System.Text.Encoding.ASCII.GetString(name);
        return SchemeCheck.Unsupported;
    }

    /// <summary>Lowers the scheme's letters in the receive buffer itself, which only Kestrel reads next.</summary>
    private static void Lower(in ReadOnlySequence<byte> scheme)
    {
        foreach (var segment in scheme)
        {
            var bytes = MemoryMarshal.AsMemory(segment).Span;
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(bytes[i] | 0x20);
            }
        }
    }

    // RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
    private static bool IsSchemeChar(byte b, bool first) =>
        char.IsAsciiLetter((char)b) || (!first && (char.IsAsciiDigit((char)b) || b is (byte)'+' or (byte)'-' or (byte)'.'));
}
