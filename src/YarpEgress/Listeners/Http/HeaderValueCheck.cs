using System.Buffers;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// RFC 9110 5.5: a field value holds no control characters but HTAB. Kestrel refuses CR, LF and NUL itself and lets
/// ESC, DEL and the other CTLs through; a request carrying one is refused with 400 rather than passed on (a recipient
/// may reject it; stripping would change what the client signed or meant). One vectorised scan per value.
/// </summary>
internal static class HeaderValueCheck
{
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F");

    /// <summary>The name of the first header whose value has a control character, or null.</summary>
    public static string? FindControlCharacter(IHeaderDictionary headers)
    {
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                if (value is not null && value.AsSpan().ContainsAny(Controls))
                {
                    return name;
                }
            }
        }

        return null;
    }
}
