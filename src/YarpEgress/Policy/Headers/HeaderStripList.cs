using System.Net.Http.Headers;
using YarpEgress.Diagnostics;

namespace YarpEgress.Policy.Headers;

/// <summary>
/// <c>Egress:Http:StripRequestHeaders</c>: request headers that never leave the gateway, such as what an Istio sidecar
/// adds about the pod (<c>x-envoy-peer-metadata</c>, <c>x-forwarded-client-cert</c>). Names compare
/// case-insensitively; a trailing <c>*</c> matches any rest. Matching allocates nothing: a table of first characters
/// rules out most headers at once, then exact names are a hash lookup and prefixes a short scan.
/// </summary>
internal sealed class HeaderStripList
{
    public static readonly HeaderStripList Empty = new([], []);

    private readonly HashSet<string> _names;
    private readonly string[] _prefixes;
    private readonly bool[] _firstChars = new bool[128];

    private HeaderStripList(HashSet<string> names, string[] prefixes)
    {
        _names = names;
        _prefixes = prefixes;
        foreach (var name in names)
        {
            _firstChars[char.ToLowerInvariant(name[0])] = true;
        }

        foreach (var prefix in prefixes)
        {
            _firstChars[char.ToLowerInvariant(prefix[0])] = true;
        }
    }

    public bool IsEmpty => _names.Count == 0 && _prefixes.Length == 0;

    public bool Matches(string name)
    {
        if (name.Length == 0 || name[0] >= 128 || !_firstChars[char.ToLowerInvariant(name[0])])
        {
            return false;
        }

        if (_names.Contains(name))
        {
            return true;
        }

        foreach (var prefix in _prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Removes every matching header. A header collection cannot change while enumerated: one pass per match.</summary>
    public void RemoveFrom(HttpHeaders headers)
    {
        if (IsEmpty)
        {
            return;
        }

        while (FirstMatch(headers) is { } name)
        {
            headers.Remove(name);
        }
    }

    private string? FirstMatch(HttpHeaders headers)
    {
        foreach (var header in headers.NonValidated)
        {
            if (Matches(header.Key))
            {
                return header.Key;
            }
        }

        return null;
    }

    /// <summary>Compiles the list; each entry must be a header name (an RFC 9110 token) with an optional trailing <c>*</c>.</summary>
    public static HeaderStripList Compile(IReadOnlyList<string> entries, IErrorSink errors)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var prefixes = new List<string>();
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i]?.Trim() ?? string.Empty;
            var wildcard = entry.EndsWith('*');
            var name = wildcard ? entry[..^1] : entry;
            if (name.Length == 0)
            {
                errors.Add(i, $"'{entry}' names no header{(wildcard ? " ('*' alone would strip every header)" : string.Empty)}");
            }
            else if (!IsToken(name))
            {
                errors.Add(i, $"'{entry}' is not a header name (letters, digits and !#$%&'+-.^_`|~, with an optional trailing '*')");
            }
            else if (wildcard)
            {
                prefixes.Add(name);
            }
            else
            {
                names.Add(name);
            }
        }

        return names.Count == 0 && prefixes.Count == 0 ? Empty : new HeaderStripList(names, [.. prefixes]);
    }

    /// <summary>RFC 9110 5.6.2 tchar, except '*', which here means a wildcard and may only end an entry.</summary>
    private static bool IsToken(string name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'+-.^_`|~".Contains(c)))
            {
                return false;
            }
        }

        return true;
    }
}
