using System.Net.Http.Headers;
using Microsoft.Extensions.Primitives;
using YarpEgress.Policy.Headers;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// RFC 9110 7.6.1: the header fields a message names in <c>Connection</c> are for this hop only and are dropped before
/// forwarding. Each raw value is split on commas here (whatever else it lists, <c>keep-alive</c> or <c>close</c>),
/// elements that are not tokens are ignored, and the framing and <c>Host</c> are never dropped, whatever a message
/// names: <c>Content-Length</c>, <c>Transfer-Encoding</c>, <c>Host</c>. A name allocates its string only when it is
/// to be removed.
/// </summary>
internal static class ConnectionTokens
{
    /// <summary>Drops from a request what its <c>Connection</c> values name; content headers go from the content's headers.</summary>
    public static void RemoveNamed(StringValues connection, HttpHeaders headers, HttpHeaders? contentHeaders)
    {
        foreach (var value in connection)
        {
            var rest = (value ?? string.Empty).AsSpan();
            while (Next(ref rest) is { IsEmpty: false } token)
            {
                var name = token.ToString();
                if (IsContentHeader(token))
                {
                    contentHeaders?.Remove(name);
                }
                else
                {
                    headers.Remove(name);
                }
            }
        }
    }

    /// <summary>Drops from the response to the client what one of the upstream's <c>Connection</c> values names.</summary>
    public static void RemoveNamed(string value, IHeaderDictionary headers)
    {
        var rest = value.AsSpan();
        while (Next(ref rest) is { IsEmpty: false } token)
        {
            headers.Remove(token.ToString());
        }
    }

    /// <summary>The next element that names a header that may be dropped; empty at the end.</summary>
    private static ReadOnlySpan<char> Next(ref ReadOnlySpan<char> rest)
    {
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf(',');
            var element = (comma < 0 ? rest : rest[..comma]).Trim(" \t");
            rest = comma < 0 ? [] : rest[(comma + 1)..];
            if (element.IsEmpty || !HttpToken.IsToken(element) || IsKept(element))
            {
                continue;
            }

            return element;
        }

        return [];
    }

    /// <summary>Connection options that name no header, and the fields a message is framed and routed by.</summary>
    private static bool IsKept(ReadOnlySpan<char> name) =>
        name.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) || name.Equals("close", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Host", StringComparison.OrdinalIgnoreCase);

    /// <summary>The names .NET keeps on <see cref="HttpContent"/> (asking the request's headers for them throws).</summary>
    private static bool IsContentHeader(ReadOnlySpan<char> name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || name.Equals("Allow", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Expires", StringComparison.OrdinalIgnoreCase) || name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase);
}
