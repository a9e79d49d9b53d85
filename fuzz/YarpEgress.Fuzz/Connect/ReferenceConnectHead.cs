using System.Text;
using YarpEgress.Listeners.HttpConnect;

namespace YarpEgress.Fuzz.Connect;

/// <summary>
/// A slow, plain reading of the CONNECT head rules (RFC 9112 3 and 5, RFC 9110 5.6.2 and 9.3.6, with the gateway's
/// strictness: one SP between request-line parts, CRLF line ends, no folding) on a string: what the parser must agree with.
/// </summary>
internal static class ReferenceConnectHead
{
    private const string Tchars = "!#$%&'*+-.^_`|~";

    public readonly record struct Result(HeadParseStatus Status, string? Authority, string? ProxyAuthorization, long HeadLength);

    public static Result Decode(byte[] data, int maxHeadBytes)
    {
        var text = Encoding.Latin1.GetString(data);
        const string method = "CONNECT ";
        if (!(text.Length >= method.Length ? text.StartsWith(method, StringComparison.Ordinal) : method.StartsWith(text, StringComparison.Ordinal)))
        {
            return new Result(HeadParseStatus.NotConnect, null, null, 0);
        }

        if (text.Length < method.Length)
        {
            return new Result(HeadParseStatus.Incomplete, null, null, 0);
        }

        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return new Result(text.Length >= maxHeadBytes ? HeadParseStatus.TooLarge : HeadParseStatus.Incomplete, null, null, 0);
        }

        if (end + 4 > maxHeadBytes)
        {
            return new Result(HeadParseStatus.TooLarge, null, null, 0);
        }

        var invalid = new Result(HeadParseStatus.Invalid, null, null, 0);
        var lines = text[..end].Split("\r\n");
        var parts = lines[0][method.Length..].Split(' ');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1] is not ("HTTP/1.1" or "HTTP/1.0"))
        {
            return invalid;
        }

        foreach (var c in parts[0])
        {
            if (c < '!' || c > '~')
            {
                return invalid;
            }
        }

        string? proxyAuthorization = null;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 1 || !line[..colon].All(c => char.IsAsciiLetterOrDigit(c) || Tchars.Contains(c)))
            {
                return invalid;
            }

            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (value.Any(c => (c < ' ' && c != '\t') || c == '\x7F'))
            {
                return invalid;
            }

            if (string.Equals(line[..colon], "Proxy-Authorization", StringComparison.OrdinalIgnoreCase))
            {
                proxyAuthorization = value;
            }
        }

        return new Result(HeadParseStatus.Complete, parts[0], proxyAuthorization, end + 4);
    }
}
