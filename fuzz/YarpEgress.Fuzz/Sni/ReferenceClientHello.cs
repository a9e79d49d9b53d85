using YarpEgress.Tls;

namespace YarpEgress.Fuzz.Sni;

/// <summary>
/// A slow, plain reading of the same rules as the gateway's ClientHello parser, written from the RFCs (8446 5.1 and
/// 4.1.2, 6066 3, 7301 3.1) with the gateway's documented caps, on one flat array: what the parser must agree with.
/// </summary>
internal static class ReferenceClientHello
{
    public readonly record struct Result(ClientHelloStatus Status, string? ServerName, string? Alpn);

    public static Result Decode(byte[] data, int maxBytes)
    {
        // Record layer: concatenate whole handshake records until the first handshake message is all there.
        var message = new List<byte>();
        var offset = 0;
        while (true)
        {
            var left = data.Length - offset;
            var first = offset == 0;
            if ((left >= 1 && data[offset] != 22) || (left >= 2 && data[offset + 1] != 3))
            {
                return Refused(first ? ClientHelloStatus.NotTls : ClientHelloStatus.Malformed);
            }

            if (left < 5)
            {
                return Refused(data.Length >= maxBytes ? ClientHelloStatus.TooLarge : ClientHelloStatus.Incomplete);
            }

            var recordLength = (data[offset + 3] << 8) | data[offset + 4];
            if (recordLength == 0 || recordLength > 16384)
            {
                return Refused(ClientHelloStatus.Malformed);
            }

            if (offset + 5 + recordLength > maxBytes)
            {
                return Refused(ClientHelloStatus.TooLarge);
            }

            if (left < 5 + recordLength)
            {
                return Refused(data.Length >= maxBytes ? ClientHelloStatus.TooLarge : ClientHelloStatus.Incomplete);
            }

            for (var i = 0; i < recordLength; i++)
            {
                message.Add(data[offset + 5 + i]);
            }

            offset += 5 + recordLength;
            if (message.Count < 4)
            {
                continue;
            }

            if (message[0] != 1)
            {
                return Refused(ClientHelloStatus.Malformed);
            }

            var total = 4 + ((message[1] << 16) | (message[2] << 8) | message[3]);
            if (total > maxBytes)
            {
                return Refused(ClientHelloStatus.TooLarge);
            }

            if (message.Count >= total)
            {
                return DecodeBody([.. message.GetRange(4, total - 4)]);
            }
        }
    }

    private static Result Refused(ClientHelloStatus status) => new(status, null, null);

    private static Result DecodeBody(byte[] body)
    {
        var malformed = Refused(ClientHelloStatus.Malformed);
        var at = 34; // legacy_version, random
        if (body.Length < at
            || !Vector(body, ref at, body.Length, 1, out _, out var sessionIdLength) || sessionIdLength > 32
            || !Vector(body, ref at, body.Length, 2, out _, out var suitesLength) || suitesLength == 0 || suitesLength % 2 == 1
            || !Vector(body, ref at, body.Length, 1, out _, out var compressionLength) || compressionLength == 0)
        {
            return malformed;
        }

        if (at == body.Length)
        {
            return new Result(ClientHelloStatus.Complete, null, null);
        }

        if (!Vector(body, ref at, body.Length, 2, out var extensionsStart, out var extensionsLength) || at != body.Length)
        {
            return malformed;
        }

        string? serverName = null, alpn = null;
        bool sawServerName = false, sawAlpn = false;
        var end = extensionsStart + extensionsLength;
        at = extensionsStart;
        while (at < end)
        {
            if (end - at < 2)
            {
                return malformed;
            }

            var type = (body[at] << 8) | body[at + 1];
            at += 2;
            if (!Vector(body, ref at, end, 2, out var dataStart, out var dataLength))
            {
                return malformed;
            }

            if (type == 0)
            {
                if (sawServerName || !ServerName(body, dataStart, dataLength, out serverName))
                {
                    return malformed;
                }

                sawServerName = true;
            }
            else if (type == 16)
            {
                if (sawAlpn || !Protocols(body, dataStart, dataLength, out alpn))
                {
                    return malformed;
                }

                sawAlpn = true;
            }
        }

        return new Result(ClientHelloStatus.Complete, serverName, alpn);
    }

    /// <summary>RFC 6066 3: a non-empty ServerNameList filling the extension, of one host_name (type 0) entry; no other type is defined.</summary>
    private static bool ServerName(byte[] b, int start, int length, out string? name)
    {
        name = null;
        if (!WholeList(b, start, length, out var listStart, out var listLength))
        {
            return false;
        }

        var at = listStart;
        while (at < listStart + listLength)
        {
            var type = b[at++];
            if (!Vector(b, ref at, listStart + listLength, 2, out var nameStart, out var nameLength))
            {
                return false;
            }

            if (type != 0 || name is not null || nameLength < 1 || nameLength > 260)
            {
                return false;
            }

            var chars = new char[nameLength];
            for (var i = 0; i < nameLength; i++)
            {
                var c = b[nameStart + i];
                if (c < 0x21 || c > 0x7E)
                {
                    return false;
                }

                chars[i] = (char)c;
            }

            name = new string(chars);
        }

        return true;
    }

    /// <summary>RFC 7301 3.1: a non-empty ProtocolNameList of non-empty names filling the extension; every name, in order, comma-separated (as the access log shows them).</summary>
    private static bool Protocols(byte[] b, int start, int length, out string? offers)
    {
        offers = null;
        if (!WholeList(b, start, length, out var listStart, out var listLength))
        {
            return false;
        }

        var text = new System.Text.StringBuilder();
        var at = listStart;
        while (at < listStart + listLength)
        {
            if (!Vector(b, ref at, listStart + listLength, 1, out var nameStart, out var nameLength) || nameLength == 0)
            {
                return false;
            }

            text.Append(text.Length == 0 ? "" : ",");
            for (var i = 0; i < nameLength; i++)
            {
                text.Append(b[nameStart + i] < 0x80 ? (char)b[nameStart + i] : '?');
            }
        }

        offers = text.ToString();
        return true;
    }

    /// <summary>An extension's data that is one non-empty 2-byte-length list, exactly.</summary>
    private static bool WholeList(byte[] b, int start, int length, out int listStart, out int listLength)
    {
        var at = start;
        return Vector(b, ref at, start + length, 2, out listStart, out listLength) && at == start + length && listLength > 0;
    }

    /// <summary>A TLS vector: a big-endian length of <paramref name="lengthBytes"/> bytes, then that many bytes, all before <paramref name="end"/>.</summary>
    private static bool Vector(byte[] b, ref int at, int end, int lengthBytes, out int start, out int length)
    {
        start = length = 0;
        if (end - at < lengthBytes)
        {
            return false;
        }

        for (var i = 0; i < lengthBytes; i++)
        {
            length = (length << 8) | b[at + i];
        }

        start = at + lengthBytes;
        if (end - start < length)
        {
            return false;
        }

        at = start + length;
        return true;
    }
}
