using System.Buffers;
using System.Buffers.Binary;
using System.Net;

namespace YarpEgress.Listeners.ProxyHeaders;

/// <summary>
/// Parses a PROXY protocol header (v1 text or v2 binary) at the start of a connection, from bytes that may be split
/// over any number of segments. Never throws on input, never reads past the header, never looks at more than a v1
/// line (107 bytes) or a v2 header with <see cref="MaxV2BlockLength"/> bytes of addresses and TLVs.
/// </summary>
/// <remarks>The HAProxy PROXY protocol specification: https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt
/// (v1: section 2.1, v2: section 2.2, TLVs: 2.2.7).</remarks>
internal static class ProxyHeaderParser
{
    /// <summary>The longest v1 line: <c>PROXY TCP6</c>, two full IPv6 addresses, two ports, CRLF.</summary>
    public const int MaxV1Length = 107;

    /// <summary>The largest v2 address and TLV block accepted (the spec allows 65535; balancers send tens of bytes).</summary>
    public const int MaxV2BlockLength = 2048;

    private const int V2HeaderLength = 16;

    private static ReadOnlySpan<byte> V1Signature => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>Whether the bytes start with a v1 or v2 signature (<see cref="ProxyHeaderStatus.Complete"/>), cannot (<c>NotProxy</c>), or may still.</summary>
    public static ProxyHeaderStatus MatchSignature(in ReadOnlySequence<byte> buffer, out int version)
    {
        version = 0;
        if (buffer.IsEmpty)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        var first = buffer.FirstSpan[0];
        var signature = first == V1Signature[0] ? V1Signature : first == V2Signature[0] ? V2Signature : default;
        if (signature.IsEmpty)
        {
            return ProxyHeaderStatus.NotProxy;
        }

        Span<byte> start = stackalloc byte[V2Signature.Length];
        var available = (int)Math.Min(buffer.Length, signature.Length);
        buffer.Slice(0, available).CopyTo(start);
        if (!start[..available].SequenceEqual(signature[..available]))
        {
            return ProxyHeaderStatus.NotProxy;
        }

        if (available < signature.Length)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        version = signature.Length == V1Signature.Length ? 1 : 2;
        return ProxyHeaderStatus.Complete;
    }

    /// <param name="length">On <see cref="ProxyHeaderStatus.Complete"/>, the header's length: what to consume.</param>
    public static ProxyHeaderStatus TryParse(in ReadOnlySequence<byte> buffer, out ProxyHeader header, out int length, out string error)
    {
        header = default;
        length = 0;
        error = string.Empty;
        var signature = MatchSignature(buffer, out var version);
        if (signature != ProxyHeaderStatus.Complete)
        {
            if (signature == ProxyHeaderStatus.NotProxy)
            {
                error = "the connection does not start with a PROXY protocol header";
            }

            return signature;
        }

        return version == 1 ? ParseV1(buffer, out header, out length, out error) : ParseV2(buffer, out header, out length, out error);
    }

    private static ProxyHeaderStatus ParseV1(in ReadOnlySequence<byte> buffer, out ProxyHeader header, out int length, out string error)
    {
        header = default;
        length = 0;
        var window = buffer.Slice(0, Math.Min(buffer.Length, MaxV1Length));
        if (window.PositionOf((byte)'\n') is not { } lineFeed)
        {
            error = window.Length >= MaxV1Length ? $"a v1 PROXY line has no end within {MaxV1Length} bytes" : string.Empty;
            return window.Length >= MaxV1Length ? ProxyHeaderStatus.TooLarge : ProxyHeaderStatus.Incomplete;
        }

        var lineLength = (int)window.Slice(0, lineFeed).Length + 1;
        Span<byte> line = stackalloc byte[MaxV1Length];
        line = line[..lineLength];
        window.Slice(0, lineLength).CopyTo(line);
        if (lineLength < V1Signature.Length + 2 || line[^2] != (byte)'\r')
        {
            error = "a v1 PROXY line must end with CRLF";
            return ProxyHeaderStatus.Invalid;
        }

        ReadOnlySpan<byte> fields = line[V1Signature.Length..^2];
        var protocol = NextField(ref fields);
        if (protocol.SequenceEqual("UNKNOWN"u8))
        {
            // "the receiver must ignore anything presented before the CRLF": the peer itself is the client.
            length = lineLength;
            header = new ProxyHeader(1, null, null);
            error = string.Empty;
            return ProxyHeaderStatus.Complete;
        }

        var v6 = protocol.SequenceEqual("TCP6"u8);
        if (!v6 && !protocol.SequenceEqual("TCP4"u8))
        {
            error = "a v1 PROXY line must name TCP4, TCP6 or UNKNOWN";
            return ProxyHeaderStatus.Invalid;
        }

        var sourceText = NextField(ref fields);
        var destinationText = NextField(ref fields);
        var sourcePortText = NextField(ref fields);
        var destinationPortText = NextField(ref fields);
        if (!fields.IsEmpty || !TryAddress(sourceText, v6, out var source) || !TryAddress(destinationText, v6, out var destination)
            || !TryPort(sourcePortText, out var sourcePort) || !TryPort(destinationPortText, out var destinationPort))
        {
            error = $"a v1 {(v6 ? "TCP6" : "TCP4")} PROXY line must be 'source destination source-port destination-port', each once, separated by single spaces";
            return ProxyHeaderStatus.Invalid;
        }

        length = lineLength;
        header = new ProxyHeader(1, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        error = string.Empty;
        return ProxyHeaderStatus.Complete;
    }

    /// <summary>The text up to the next single space (consumed), or the rest; an empty field where two spaces meet.</summary>
    private static ReadOnlySpan<byte> NextField(ref ReadOnlySpan<byte> rest)
    {
        var space = rest.IndexOf((byte)' ');
        ReadOnlySpan<byte> field;
        if (space < 0)
        {
            field = rest;
            rest = default;
        }
        else
        {
            field = rest[..space];
            rest = rest[(space + 1)..];
            if (rest.IsEmpty)
            {
                rest = " "u8; // a trailing space is one field too many
            }
        }

        return field;
    }

    private static bool TryAddress(ReadOnlySpan<byte> text, bool v6, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.IsEmpty || (v6 ? text.ContainsAnyExcept("0123456789abcdefABCDEF:."u8) : !IsDottedQuad(text)))
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != (v6 ? System.Net.Sockets.AddressFamily.InterNetworkV6 : System.Net.Sockets.AddressFamily.InterNetwork))
        {
            return false;
        }

        address = parsed;
        return true;
    }

    /// <summary>Four decimal parts 0-255 without leading zeros: no shorthand or octal forms of an address.</summary>
    private static bool IsDottedQuad(ReadOnlySpan<byte> text)
    {
        for (var part = 0; part < 4; part++)
        {
            var end = part < 3 ? text.IndexOf((byte)'.') : text.Length;
            if (end < 0 || !TryDecimal(text[..end], 3, out var value) || value > 255)
            {
                return false;
            }

            text = part < 3 ? text[(end + 1)..] : default;
        }

        return true;
    }

    private static bool TryPort(ReadOnlySpan<byte> text, out int port) => TryDecimal(text, 5, out port) && port <= 65535;

    private static bool TryDecimal(ReadOnlySpan<byte> text, int maxDigits, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > maxDigits || (text.Length > 1 && text[0] == (byte)'0'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    private static ProxyHeaderStatus ParseV2(in ReadOnlySequence<byte> buffer, out ProxyHeader header, out int length, out string error)
    {
        header = default;
        length = 0;
        error = string.Empty;
        if (buffer.Length < V2HeaderLength)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        Span<byte> fixedPart = stackalloc byte[V2HeaderLength];
        buffer.Slice(0, V2HeaderLength).CopyTo(fixedPart);
        var versionCommand = fixedPart[12];
        var familyTransport = fixedPart[13];
        var blockLength = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);
        if (versionCommand >> 4 != 2 || (versionCommand & 0x0F) > 1)
        {
            error = $"a v2 PROXY header needs version 2 and command LOCAL or PROXY, not 0x{versionCommand:X2}";
            return ProxyHeaderStatus.Invalid;
        }

        if (blockLength > MaxV2BlockLength)
        {
            error = $"a v2 PROXY header of {V2HeaderLength + blockLength} bytes is over the {V2HeaderLength + MaxV2BlockLength}-byte cap";
            return ProxyHeaderStatus.TooLarge;
        }

        if (buffer.Length < V2HeaderLength + blockLength)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        length = V2HeaderLength + blockLength;
        var block = buffer.Slice(V2HeaderLength, blockLength);
        if ((versionCommand & 0x0F) == 0 || familyTransport == 0x00)
        {
            // LOCAL (health checks from the balancer itself), or PROXY for an unknown (UNSPEC) origin: the block,
            // whatever it holds, is skipped and the peer itself is the client.
            header = new ProxyHeader(2, null, null);
            return ProxyHeaderStatus.Complete;
        }

        // PROXY: TCP over IPv4 (0x11) or IPv6 (0x21); a UNIX stream (0x31) carries no usable address.
        var addressLength = familyTransport switch
        {
            0x11 => 12,
            0x21 => 36,
            0x31 => 216,
            _ => -1,
        };
        if (addressLength < 0)
        {
            error = $"a v2 PROXY header for family and transport 0x{familyTransport:X2} (only TCP over IPv4 or IPv6, UNIX stream or UNSPEC)";
            length = 0;
            return ProxyHeaderStatus.Invalid;
        }

        if (blockLength < addressLength)
        {
            error = $"a v2 PROXY header's {blockLength}-byte block is too short for its {addressLength} bytes of addresses";
            length = 0;
            return ProxyHeaderStatus.Invalid;
        }

        if (!TlvsFit(block.Slice(addressLength), out error))
        {
            length = 0;
            return ProxyHeaderStatus.Invalid;
        }

        header = familyTransport is 0x11 or 0x21 ? ReadAddresses(block, familyTransport == 0x21) : new ProxyHeader(2, null, null);
        return ProxyHeaderStatus.Complete;
    }

    private static ProxyHeader ReadAddresses(in ReadOnlySequence<byte> block, bool v6)
    {
        var size = v6 ? 16 : 4;
        Span<byte> bytes = stackalloc byte[36];
        bytes = bytes[..((2 * size) + 4)];
        block.Slice(0, bytes.Length).CopyTo(bytes);
        var source = new IPAddress(bytes[..size]);
        var destination = new IPAddress(bytes.Slice(size, size));
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(bytes[(2 * size)..]);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(bytes[((2 * size) + 2)..]);
        return new ProxyHeader(2, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
    }

    /// <summary>The TLVs after the addresses (type, 2-byte length, value) must fill the rest of the block exactly.</summary>
    private static bool TlvsFit(in ReadOnlySequence<byte> tlvs, out string error)
    {
        var reader = new SequenceReader<byte>(tlvs);
        while (!reader.End)
        {
            if (!reader.TryRead(out var type) || !reader.TryReadBigEndian(out short valueLength) || reader.Remaining < (ushort)valueLength)
            {
                error = $"a v2 PROXY header's TLV{(reader.Consumed > 0 ? $" of type 0x{type:X2}" : string.Empty)} runs past the header's length";
                return false;
            }

            reader.Advance((ushort)valueLength);
        }

        error = string.Empty;
        return true;
    }
}
