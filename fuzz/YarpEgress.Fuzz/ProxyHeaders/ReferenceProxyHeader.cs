using System.Net;
using System.Net.Sockets;
using System.Text;
using YarpEgress.Listeners.ProxyHeaders;

namespace YarpEgress.Fuzz.ProxyHeaders;

/// <summary>
/// A slow, plain reading of the PROXY protocol header (HAProxy's proxy-protocol.txt: v1 2.1, v2 2.2, TLVs 2.2.7),
/// with the gateway's caps (a 107-byte v1 line, a 2048-byte v2 block) and strictness (dotted-quad IPv4, no leading
/// zeros, single spaces), on one flat array: what the parser must agree with.
/// </summary>
internal static class ReferenceProxyHeader
{
    public readonly record struct Result(ProxyHeaderStatus Status, ProxyHeader Header, int Length);

    private static readonly byte[] V1 = "PROXY "u8.ToArray();
    private static readonly byte[] V2 = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static Result Decode(byte[] data)
    {
        if (data.Length == 0)
        {
            return new Result(ProxyHeaderStatus.Incomplete, default, 0);
        }

        var signature = data[0] == V1[0] ? V1 : data[0] == V2[0] ? V2 : null;
        if (signature is null || !data.AsSpan(0, Math.Min(data.Length, signature.Length)).SequenceEqual(signature.AsSpan(0, Math.Min(data.Length, signature.Length))))
        {
            return new Result(ProxyHeaderStatus.NotProxy, default, 0);
        }

        if (data.Length < signature.Length)
        {
            return new Result(ProxyHeaderStatus.Incomplete, default, 0);
        }

        return signature == V1 ? DecodeV1(data) : DecodeV2(data);
    }

    private static Result DecodeV1(byte[] data)
    {
        var window = Math.Min(data.Length, 107);
        var lineFeed = Array.IndexOf(data, (byte)'\n', 0, window);
        if (lineFeed < 0)
        {
            return new Result(window >= 107 ? ProxyHeaderStatus.TooLarge : ProxyHeaderStatus.Incomplete, default, 0);
        }

        var invalid = new Result(ProxyHeaderStatus.Invalid, default, 0);
        var line = Encoding.Latin1.GetString(data, 0, lineFeed + 1);
        if (!line.EndsWith("\r\n", StringComparison.Ordinal) || line.Length < 8)
        {
            return invalid;
        }

        var fields = line[6..^2].Split(' ');
        if (fields[0] == "UNKNOWN")
        {
            return new Result(ProxyHeaderStatus.Complete, new ProxyHeader(1, null, null), line.Length);
        }

        if (fields.Length != 5 || fields[0] is not ("TCP4" or "TCP6"))
        {
            return invalid;
        }

        var family = fields[0] == "TCP4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        if (!Address(fields[1], family, out var source) || !Address(fields[2], family, out var destination)
            || !Port(fields[3], out var sourcePort) || !Port(fields[4], out var destinationPort))
        {
            return invalid;
        }

        return new Result(ProxyHeaderStatus.Complete, new ProxyHeader(1, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort)), line.Length);
    }

    private static bool Address(string text, AddressFamily family, out IPAddress address)
    {
        address = IPAddress.None;
        if (family == AddressFamily.InterNetwork)
        {
            var parts = text.Split('.');
            if (parts.Length != 4 || !parts.All(p => Decimal(p, 3, out var v) && v <= 255))
            {
                return false;
            }
        }
        else if (text.Length == 0 || !text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'))
        {
            return false;
        }

        return IPAddress.TryParse(text, out address!) && address.AddressFamily == family;
    }

    private static bool Port(string text, out int port) => Decimal(text, 5, out port) && port <= 65535;

    private static bool Decimal(string text, int maxDigits, out int value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > maxDigits || (text.Length > 1 && text[0] == '0') || !text.All(char.IsAsciiDigit))
        {
            return false;
        }

        value = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }

    private static Result DecodeV2(byte[] data)
    {
        if (data.Length < 16)
        {
            return new Result(ProxyHeaderStatus.Incomplete, default, 0);
        }

        var invalid = new Result(ProxyHeaderStatus.Invalid, default, 0);
        int version = data[12] >> 4, command = data[12] & 0x0F, family = data[13];
        var blockLength = (data[14] << 8) | data[15];
        if (version != 2 || command > 1)
        {
            return invalid;
        }

        if (blockLength > 2048)
        {
            return new Result(ProxyHeaderStatus.TooLarge, default, 0);
        }

        if (data.Length < 16 + blockLength)
        {
            return new Result(ProxyHeaderStatus.Incomplete, default, 0);
        }

        if (command == 0 || family == 0)
        {
            return new Result(ProxyHeaderStatus.Complete, new ProxyHeader(2, null, null), 16 + blockLength);
        }

        var addresses = family switch { 0x11 => 12, 0x21 => 36, 0x31 => 216, _ => -1 };
        if (addresses < 0 || blockLength < addresses)
        {
            return invalid;
        }

        // TLVs: type, 2-byte length, value; they must fill the block exactly.
        var at = 16 + addresses;
        var end = 16 + blockLength;
        while (at < end)
        {
            if (end - at < 3 || end - at - 3 < ((data[at + 1] << 8) | data[at + 2]))
            {
                return invalid;
            }

            at += 3 + ((data[at + 1] << 8) | data[at + 2]);
        }

        if (family == 0x31)
        {
            return new Result(ProxyHeaderStatus.Complete, new ProxyHeader(2, null, null), 16 + blockLength);
        }

        var size = family == 0x11 ? 4 : 16;
        var source = new IPAddress(data.AsSpan(16, size));
        var destination = new IPAddress(data.AsSpan(16 + size, size));
        var sourcePort = (data[16 + (2 * size)] << 8) | data[17 + (2 * size)];
        var destinationPort = (data[18 + (2 * size)] << 8) | data[19 + (2 * size)];
        return new Result(ProxyHeaderStatus.Complete, new ProxyHeader(2, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort)), 16 + blockLength);
    }
}
