using System.Buffers;
using System.Text;

namespace YarpEgress.Listeners.HttpConnect;

/// <summary>
/// Reads an HTTP/1.x CONNECT request head (RFC 9110 9.3.6, RFC 9112 3.2.3 authority-form) from the start of a
/// connection. It looks only as far as the method when the request is something else, so every other request goes
/// to Kestrel untouched. Strict on syntax: one space between the request-line parts, CRLF line ends, token header
/// names, no obsolete line folding. Never throws on input; never reads past what it is given.
/// </summary>
internal static class ConnectRequestParser
{
    private static ReadOnlySpan<byte> Method => "CONNECT "u8;
    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    /// <param name="buffer">The bytes received so far.</param>
    /// <param name="maxHeadBytes">The cap on the head, CRLFCRLF included.</param>
    /// <param name="headEnd">On <see cref="HeadParseStatus.Complete"/>, the position just past the head.</param>
    public static HeadParseStatus TryParse(in ReadOnlySequence<byte> buffer, int maxHeadBytes, out SequencePosition headEnd, out ConnectRequest request, out string error)
    {
        headEnd = buffer.Start;
        request = default;
        error = string.Empty;

        var status = CheckMethod(buffer);
        if (status != HeadParseStatus.Complete)
        {
            return status;
        }

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, HeadEnd, advancePastDelimiter: true))
        {
            if (HasBareLineFeed(buffer))
            {
                // A head with bare LF line ends would never end in CRLFCRLF: refuse it now, not at the head timeout.
                error = "request-head lines must end in CRLF, not a bare LF";
                return HeadParseStatus.Invalid;
            }

            if (buffer.Length >= maxHeadBytes)
            {
                error = $"the request head is larger than {maxHeadBytes} bytes";
                return HeadParseStatus.TooLarge;
            }

            return HeadParseStatus.Incomplete;
        }

        if (head.Length + HeadEnd.Length > maxHeadBytes)
        {
            error = $"the request head is larger than {maxHeadBytes} bytes";
            return HeadParseStatus.TooLarge;
        }

        headEnd = reader.Position;
        var length = (int)head.Length;
        byte[]? rented = null;
        var bytes = head.IsSingleSegment ? head.FirstSpan : Copy(head, rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            return ParseHead(bytes[..length], out request, out error);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Whether an LF not preceded by CR occurs in the bytes so far.</summary>
    private static bool HasBareLineFeed(in ReadOnlySequence<byte> buffer)
    {
        byte previous = 0;
        foreach (var segment in buffer)
        {
            var span = segment.Span;
            for (var lf = span.IndexOf((byte)'\n'); lf >= 0; lf = span.IndexOf((byte)'\n'))
            {
                if ((lf == 0 ? previous : span[lf - 1]) != (byte)'\r')
                {
                    return true;
                }

                span = span[(lf + 1)..];
                previous = (byte)'\n';
            }

            if (!span.IsEmpty)
            {
                previous = span[^1];
            }
        }

        return false;
    }

    private static ReadOnlySpan<byte> Copy(in ReadOnlySequence<byte> head, byte[] target)
    {
        head.CopyTo(target);
        return target;
    }

    private static HeadParseStatus CheckMethod(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> start = stackalloc byte[8];
        var have = (int)Math.Min(buffer.Length, start.Length);
        buffer.Slice(0, have).CopyTo(start);
        if (!Method.StartsWith(start[..have]))
        {
            return HeadParseStatus.NotConnect;
        }

        return have < Method.Length ? HeadParseStatus.Incomplete : HeadParseStatus.Complete;
    }

    /// <param name="head">The head without its final CRLFCRLF.</param>
    private static HeadParseStatus ParseHead(ReadOnlySpan<byte> head, out ConnectRequest request, out string error)
    {
        request = default;
        var lineEnd = head.IndexOf(Crlf);
        var line = lineEnd < 0 ? head : head[..lineEnd];
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];

        // CONNECT SP authority SP HTTP/1.x
        line = line[Method.Length..];
        var space = line.IndexOf((byte)' ');
        if (space <= 0)
        {
            error = "the request line must be 'CONNECT host:port HTTP/1.1'";
            return HeadParseStatus.Invalid;
        }

        var target = line[..space];
        var version = line[(space + 1)..];
        if (!version.SequenceEqual("HTTP/1.1"u8) && !version.SequenceEqual("HTTP/1.0"u8))
        {
            error = "the request line must end in HTTP/1.1 or HTTP/1.0";
            return HeadParseStatus.Invalid;
        }

        foreach (var b in target)
        {
            if (b <= 0x20 || b >= 0x7F)
            {
                error = "the CONNECT target has a control, space or non-ASCII byte";
                return HeadParseStatus.Invalid;
            }
        }

        string? proxyAuthorization = null;
        while (!rest.IsEmpty)
        {
            lineEnd = rest.IndexOf(Crlf);
            var header = lineEnd < 0 ? rest : rest[..lineEnd];
            rest = lineEnd < 0 ? [] : rest[(lineEnd + 2)..];
            if (!TryParseHeader(header, out var name, out var value, out error))
            {
                return HeadParseStatus.Invalid;
            }

            if (Ascii.EqualsIgnoreCase(name, "Proxy-Authorization"u8))
            {
                proxyAuthorization = Encoding.Latin1.GetString(value);
            }
        }

        request = new ConnectRequest(Encoding.ASCII.GetString(target), proxyAuthorization);
        error = string.Empty;
        return HeadParseStatus.Complete;
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value, out string error)
    {
        name = value = default;
        error = string.Empty;
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            error = line.IsEmpty || line[0] is (byte)' ' or (byte)'\t'
                ? "obsolete header line folding is not accepted"
                : "a header line has no 'name:'";
            return false;
        }

        name = line[..colon];
        foreach (var b in name)
        {
            if (!IsTokenChar(b))
            {
                error = "a header name has a character that is not allowed";
                return false;
            }
        }

        value = line[(colon + 1)..].Trim(" \t"u8);
        foreach (var b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                error = "a header value has a control character";
                return false;
            }
        }

        return true;
    }

    // RFC 9110 5.6.2 tchar.
    private static bool IsTokenChar(byte b) =>
        (b >= (byte)'a' && b <= (byte)'z') || (b >= (byte)'A' && b <= (byte)'Z') || (b >= (byte)'0' && b <= (byte)'9') ||
        b is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+' or
            (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
}
