using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace YarpEgress.Addressing;

/// <summary>
/// Where a client asked to go: a normalized host name or an IP literal, and a port. Parsed from the CONNECT
/// authority, the absolute URI of a plain-HTTP request, or the TLS server name.
/// </summary>
internal readonly record struct Destination
{
    private Destination(string host, int port, IPAddress? address)
    {
        Host = host;
        Port = port;
        Address = address;
    }

    /// <summary>Normalized host name, or the IP literal's text (IPv6 without brackets).</summary>
    public string Host { get; }

    public int Port { get; }

    /// <summary>Set when the client named an IP literal (IPv4-mapped IPv6 folded to IPv4).</summary>
    public IPAddress? Address { get; }

    public bool IsAddress => Address is not null;

    public static Destination ForAddress(IPAddress address, int port)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return new Destination(address.ToString(), port, address);
    }

    /// <summary>
    /// Parses <c>host[:port]</c>, <c>a.b.c.d[:port]</c> or <c>[v6][:port]</c>. Without a port,
    /// <paramref name="defaultPort"/> is used, or the parse fails when it is null.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> authority, int? defaultPort, out Destination destination, out string error)
    {
        destination = default;
        if (authority.IsEmpty)
        {
            error = "the destination is empty";
            return false;
        }

        ReadOnlySpan<char> host;
        ReadOnlySpan<char> portText = default;
        var hasPort = false;
        if (authority[0] == '[')
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                error = $"'{authority}' has '[' without ']'";
                return false;
            }

            host = authority[1..close];
            var after = authority[(close + 1)..];
            if (!after.IsEmpty)
            {
                if (after[0] != ':')
                {
                    error = $"'{authority}' has text after ']' that is not a port";
                    return false;
                }

                portText = after[1..];
                hasPort = true;
            }

            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{host}' in brackets is not an IPv6 address";
                return false;
            }

            if (!TryPort(authority, portText, hasPort, defaultPort, out var port6, out error))
            {
                return false;
            }

            destination = ForAddress(v6, port6);
            return true;
        }

        var colon = authority.LastIndexOf(':');
        if (colon >= 0)
        {
            if (authority[..colon].Contains(':'))
            {
                error = $"'{authority}' looks like an IPv6 address: write it in brackets, as [addr]:port";
                return false;
            }

            host = authority[..colon];
            portText = authority[(colon + 1)..];
            hasPort = true;
        }
        else
        {
            host = authority;
        }

        if (!TryPort(authority, portText, hasPort, defaultPort, out var port, out error))
        {
            return false;
        }

        return TryParseHost(host, port, out destination, out error);
    }

    /// <summary>A destination for an already normalized host name (from another destination) on another port.</summary>
    public static Destination ForHost(string normalizedHost, int port) => new(normalizedHost, port, null);

    /// <summary>Parses a bare host (name or IPv4 literal) with a known port.</summary>
    public static bool TryParseHost(ReadOnlySpan<char> host, int port, out Destination destination, out string error)
    {
        destination = default;
        if (LooksNumeric(host))
        {
            if (!TryParseStrictIPv4(host, out var v4))
            {
                error = $"'{host}' is not a valid IPv4 address (four decimal parts 0-255, no leading zeros)";
                return false;
            }

            destination = ForAddress(v4, port);
            error = string.Empty;
            return true;
        }

        if (!HostName.TryNormalize(host, wildcards: false, out var name, out error))
        {
            error = $"'{host}' is not a valid host name: {error}";
            return false;
        }

        // IDN mapping makes ASCII digits and dots of other characters (fullwidth '１' and '．', superscript '¹', a
        // digit with an ignored mark): a name that is numeric only once normalized is judged as if written so.
        if (LooksNumeric(name))
        {
            return TryParseHost(name, port, out destination, out error);
        }

        destination = new Destination(name, port, null);
        return true;
    }

    private static bool TryPort(ReadOnlySpan<char> authority, ReadOnlySpan<char> portText, bool hasPort, int? defaultPort, out int port, out string error)
    {
        error = string.Empty;
        if (hasPort)
        {
            if (PortNumber.TryParse(portText, out port))
            {
                return true;
            }

            error = $"'{authority}' has an invalid port (1-65535)";
            return false;
        }

        if (defaultPort is { } p)
        {
            port = p;
            return true;
        }

        port = 0;
        error = $"'{authority}' has no port";
        return false;
    }

    /// <summary>
    /// A last label made of digits means the resolver would read the name as an IPv4 address (inet_aton also takes
    /// <c>127.1</c>, <c>2130706433</c> and octal <c>0177.0.0.1</c>); such names are only valid in strict dotted-quad form.
    /// </summary>
    private static bool LooksNumeric(ReadOnlySpan<char> host)
    {
        var trimmed = host.EndsWith(".") ? host[..^1] : host;
        var last = trimmed[(trimmed.LastIndexOf('.') + 1)..];
        if (last.IsEmpty)
        {
            return false;
        }

        if (last.Length > 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X'))
        {
            return true;
        }

        foreach (var c in last)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseStrictIPv4(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        Span<byte> bytes = stackalloc byte[4];
        var part = 0;
        foreach (var range in text.Split('.'))
        {
            var piece = text[range];
            if (part == 4 || piece.IsEmpty || piece.Length > 3 || (piece.Length > 1 && piece[0] == '0'))
            {
                return false;
            }

            if (!int.TryParse(piece, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > 255)
            {
                return false;
            }

            bytes[part++] = (byte)value;
        }

        if (part != 4)
        {
            return false;
        }

        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>
    /// <c>host:port</c> or <c>[v6]:port</c>. Safe in a log event as it is: the host is a normalized name (letters,
    /// digits, '-', '_', '.') or an IP literal, so the log events take the destination itself and format it only when
    /// they are written.
    /// </summary>
    public override string ToString() =>
        Address is { AddressFamily: AddressFamily.InterNetworkV6 } ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
