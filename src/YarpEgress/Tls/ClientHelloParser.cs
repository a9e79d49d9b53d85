using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace YarpEgress.Tls;

/// <summary>
/// Reads the server name and ALPN from a TLS ClientHello without consuming it. Handles a ClientHello split across
/// TCP segments (a multi-segment sequence) and across several TLS records (large post-quantum key shares), any
/// extension order and GREASE values. Refuses cleanly, never throws on input, never reads past the given bytes,
/// and never buffers more than the cap.
/// </summary>
/// <remarks>
/// Record layer: RFC 8446 5.1 (type 22 = handshake, legacy version 3.x, length at most 2^14, no empty handshake
/// fragments). ClientHello: RFC 8446 4.1.2. server_name: RFC 6066 3 (one host_name entry, no other name type). ALPN: RFC 7301 3.1.
/// </remarks>
internal static class ClientHelloParser
{
    private const byte HandshakeRecord = 22;
    private const byte ClientHelloType = 1;
    private const int RecordHeaderLength = 5;
    private const int MaxRecordLength = 1 << 14;
    private const ushort ServerNameExtension = 0;
    private const ushort AlpnExtension = 16;
    private const int MaxServerNameLength = 260; // 253 for the name, ':' and a port

    public static ClientHelloStatus TryParse(in ReadOnlySequence<byte> buffer, int maxBytes, out ClientHello hello, out string error)
    {
        hello = default;
        error = string.Empty;

        // Fast path: the handshake message sits whole in the first record, and that record in the first segment. The
        // whole record, as on the slow path: else the answer would depend on how the bytes were segmented.
        var first = buffer.FirstSpan;
        if (first.Length >= RecordHeaderLength + 4)
        {
            var recordLength = BinaryPrimitives.ReadUInt16BigEndian(first[3..]);
            var messageLength = 4 + ReadUInt24(first[(RecordHeaderLength + 1)..]);
            if (first[0] == HandshakeRecord && first[1] == 3 && recordLength <= MaxRecordLength
                && messageLength <= recordLength && first.Length >= RecordHeaderLength + recordLength
                && RecordHeaderLength + recordLength <= maxBytes)
            {
                return ParseMessage(first.Slice(RecordHeaderLength, messageLength), out hello, out error);
            }
        }

        byte[]? rented = null;
        try
        {
            return Assemble(buffer, maxBytes, ref rented, out hello, out error);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Gathers the handshake message from consecutive records into one buffer, then parses it.</summary>
    private static ClientHelloStatus Assemble(in ReadOnlySequence<byte> buffer, int maxBytes, ref byte[]? rented, out ClientHello hello, out string error)
    {
        hello = default;
        error = string.Empty;
        var reader = new SequenceReader<byte>(buffer);
        Span<byte> header = stackalloc byte[RecordHeaderLength];
        var have = 0;
        var needed = -1;
        while (true)
        {
            var available = (int)Math.Min(reader.Remaining, RecordHeaderLength);
            reader.TryCopyTo(header[..available]);
            if (available >= 1 && header[0] != HandshakeRecord)
            {
                error = have == 0 ? "the first bytes are not a TLS handshake record" : "a non-handshake record interrupts the ClientHello";
                return have == 0 ? ClientHelloStatus.NotTls : ClientHelloStatus.Malformed;
            }

            if (available >= 2 && header[1] != 3)
            {
                error = have == 0 ? "the first bytes are not a TLS 1.x record" : "a record with a bad version interrupts the ClientHello";
                return have == 0 ? ClientHelloStatus.NotTls : ClientHelloStatus.Malformed;
            }

            if (available < RecordHeaderLength)
            {
                return Incomplete(buffer.Length, maxBytes, out error);
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
            if (length == 0 || length > MaxRecordLength)
            {
                error = $"a handshake record has length {length}";
                return ClientHelloStatus.Malformed;
            }

            if (reader.Consumed + RecordHeaderLength + length > maxBytes)
            {
                error = $"the ClientHello is larger than {maxBytes} bytes";
                return ClientHelloStatus.TooLarge;
            }

            if (reader.Remaining < RecordHeaderLength + length)
            {
                return Incomplete(buffer.Length, maxBytes, out error);
            }

            reader.Advance(RecordHeaderLength);
            rented ??= ArrayPool<byte>.Shared.Rent(maxBytes);
            reader.TryCopyTo(rented.AsSpan(have, length));
            reader.Advance(length);
            have += length;

            if (needed < 0 && have >= 4)
            {
                if (rented[0] != ClientHelloType)
                {
                    error = $"the first handshake message is type {rented[0]}, not a ClientHello";
                    return ClientHelloStatus.Malformed;
                }

                needed = 4 + ReadUInt24(rented.AsSpan(1));
                if (needed > maxBytes)
                {
                    error = $"the ClientHello is larger than {maxBytes} bytes";
                    return ClientHelloStatus.TooLarge;
                }
            }

            if (needed >= 0 && have >= needed)
            {
                return ParseMessage(rented.AsSpan(0, needed), out hello, out error);
            }
        }
    }

    private static ClientHelloStatus Incomplete(long buffered, int maxBytes, out string error)
    {
        error = string.Empty;
        if (buffered >= maxBytes)
        {
            error = $"the ClientHello is larger than {maxBytes} bytes";
            return ClientHelloStatus.TooLarge;
        }

        return ClientHelloStatus.Incomplete;
    }

    /// <param name="message">The whole handshake message: type, 24-bit length, body.</param>
    private static ClientHelloStatus ParseMessage(ReadOnlySpan<byte> message, out ClientHello hello, out string error)
    {
        hello = default;
        if (message[0] != ClientHelloType)
        {
            error = $"the first handshake message is type {message[0]}, not a ClientHello";
            return ClientHelloStatus.Malformed;
        }

        var body = new Cursor(message[4..]);
        if (!body.Skip(2 + 32)                           // legacy_version, random
            || !body.TryReadVector8(out var sessionId) || sessionId.Length > 32
            || !body.TryReadVector16(out var suites) || suites.Length < 2 || suites.Length % 2 != 0
            || !body.TryReadVector8(out var compression) || compression.Length < 1)
        {
            error = "the ClientHello is truncated or has a bad session id, cipher suite or compression list";
            return ClientHelloStatus.Malformed;
        }

        if (body.IsEmpty)
        {
            error = string.Empty;
            return ClientHelloStatus.Complete; // no extensions: no server name
        }

        if (!body.TryReadVector16(out var extensions) || !body.IsEmpty)
        {
            error = "the ClientHello's extensions overrun or are followed by stray bytes";
            return ClientHelloStatus.Malformed;
        }

        return ParseExtensions(new Cursor(extensions), out hello, out error);
    }

    private static ClientHelloStatus ParseExtensions(Cursor extensions, out ClientHello hello, out string error)
    {
        hello = default;
        string? serverName = null;
        string? alpn = null;
        bool seenServerName = false, seenAlpn = false;
        while (!extensions.IsEmpty)
        {
            if (!extensions.TryReadUInt16(out var type) || !extensions.TryReadVector16(out var data))
            {
                error = "an extension overruns the extension block";
                return ClientHelloStatus.Malformed;
            }

            if (type == ServerNameExtension)
            {
                if (seenServerName)
                {
                    error = "the server_name extension appears twice";
                    return ClientHelloStatus.Malformed;
                }

                seenServerName = true;
                if (!TryReadServerName(new Cursor(data), out serverName, out error))
                {
                    return ClientHelloStatus.Malformed;
                }
            }
            else if (type == AlpnExtension)
            {
                if (seenAlpn)
                {
                    error = "the ALPN extension appears twice";
                    return ClientHelloStatus.Malformed;
                }

                seenAlpn = true;
                if (!TryReadAlpn(new Cursor(data), out alpn))
                {
                    error = "the ALPN extension is malformed";
                    return ClientHelloStatus.Malformed;
                }
            }
        }

        hello = new ClientHello(serverName, alpn);
        error = string.Empty;
        return ClientHelloStatus.Complete;
    }

    private static bool TryReadServerName(Cursor data, out string? name, out string error)
    {
        name = null;
        if (!data.TryReadVector16(out var list) || !data.IsEmpty || list.IsEmpty)
        {
            error = "the server_name extension is malformed";
            return false;
        }

        var entries = new Cursor(list);
        while (!entries.IsEmpty)
        {
            if (!entries.TryReadUInt8(out var nameType) || !entries.TryReadVector16(out var value))
            {
                error = "the server_name list overruns its extension";
                return false;
            }

            if (nameType != 0)
            {
                // RFC 6066 defines host_name (0) only; OpenSSL and BoringSSL refuse any other entry with decode_error.
                error = $"the server_name list has an entry of name_type {nameType}, not host_name";
                return false;
            }

            if (name is not null)
            {
                error = "the server_name extension has two host names";
                return false;
            }

            if (value.IsEmpty || value.Length > MaxServerNameLength)
            {
                error = $"the server name has {value.Length} bytes";
                return false;
            }

            foreach (var b in value)
            {
                if (b <= 0x20 || b >= 0x7F)
                {
                    error = "the server name has a byte that is not printable ASCII";
                    return false;
                }
            }

            name = Encoding.ASCII.GetString(value);
        }

        error = string.Empty;
        return true;
    }

    /// <summary>The client's offers in its order, comma-separated (what the upstream will choose from).</summary>
    private static bool TryReadAlpn(Cursor data, out string? alpn)
    {
        alpn = null;
        if (!data.TryReadVector16(out var list) || !data.IsEmpty || list.IsEmpty)
        {
            return false;
        }

        if (list.SequenceEqual("\u0002h2\u0008http/1.1"u8))
        {
            alpn = "h2,http/1.1"; // what browsers and most clients offer
            return true;
        }

        var protocols = new Cursor(list);
        var offers = new StringBuilder();
        while (!protocols.IsEmpty)
        {
            if (!protocols.TryReadVector8(out var protocol) || protocol.IsEmpty)
            {
                return false;
            }

            offers.Append(offers.Length == 0 ? "" : ",").Append(Encoding.ASCII.GetString(protocol));
        }

        alpn = offers.ToString();
        return true;
    }

    private static int ReadUInt24(ReadOnlySpan<byte> span) => (span[0] << 16) | (span[1] << 8) | span[2];

    /// <summary>A bounds-checked forward reader over a span; every read fails rather than overrun.</summary>
    private ref struct Cursor(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly bool IsEmpty => _rest.IsEmpty;

        public bool Skip(int count)
        {
            if (_rest.Length < count)
            {
                return false;
            }

            _rest = _rest[count..];
            return true;
        }

        public bool TryReadUInt8(out byte value)
        {
            value = 0;
            if (_rest.IsEmpty)
            {
                return false;
            }

            value = _rest[0];
            _rest = _rest[1..];
            return true;
        }

        public bool TryReadUInt16(out ushort value)
        {
            value = 0;
            if (_rest.Length < 2)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(_rest);
            _rest = _rest[2..];
            return true;
        }

        public bool TryReadVector8(out ReadOnlySpan<byte> vector)
        {
            vector = default;
            return TryReadUInt8(out var length) && TryTake(length, out vector);
        }

        public bool TryReadVector16(out ReadOnlySpan<byte> vector)
        {
            vector = default;
            return TryReadUInt16(out var length) && TryTake(length, out vector);
        }

        private bool TryTake(int length, out ReadOnlySpan<byte> vector)
        {
            vector = default;
            if (_rest.Length < length)
            {
                return false;
            }

            vector = _rest[..length];
            _rest = _rest[length..];
            return true;
        }
    }
}
