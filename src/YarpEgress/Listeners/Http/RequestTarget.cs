namespace YarpEgress.Listeners.Http;

/// <summary>
/// The request target as it goes upstream: the client's bytes, never decoded or normalised (RFC 9110 7.7), for both
/// request forms. An origin-form target is used whole; an absolute-form one (<c>http://host:port/a%2Fb?q</c>) gives
/// everything after its authority, with <c>/</c> for an empty path.
/// </summary>
internal static class RequestTarget
{
    private const string HttpScheme = "http://";
    private static readonly UriCreationOptions AsSent = new() { DangerousDisablePathAndQueryCanonicalization = true };

    /// <summary>The upstream URI: <paramref name="destinationPrefix"/> followed by the raw path and query; null when the target is neither form.</summary>
    public static Uri? ToUpstream(string destinationPrefix, string rawTarget)
    {
        string uri;
        if (rawTarget.StartsWith('/'))
        {
            uri = string.Concat(destinationPrefix, rawTarget);
        }
        else if (rawTarget.StartsWith(HttpScheme, StringComparison.OrdinalIgnoreCase))
        {
            var rest = rawTarget.AsSpan(HttpScheme.Length);
            var end = rest.IndexOfAny('/', '?', '#');
            var pathAndQuery = end < 0 ? [] : rest[end..];
            uri = pathAndQuery.StartsWith('/')
                ? string.Concat(destinationPrefix, pathAndQuery)
                : string.Concat(destinationPrefix, "/", pathAndQuery);
        }
        else
        {
            return null;
        }

        return Uri.TryCreate(uri, in AsSent, out var result) ? result : null;
    }
}
