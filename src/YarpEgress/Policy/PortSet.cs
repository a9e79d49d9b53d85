using YarpEgress.Addressing;
using YarpEgress.Diagnostics;

namespace YarpEgress.Policy;

/// <summary>An immutable set of TCP ports, kept as sorted inclusive ranges.</summary>
internal sealed class PortSet
{
    public static readonly PortSet All = new([(1, 65535)], "*");
    public static readonly PortSet Web = new([(80, 80), (443, 443)], "80,443");
    public static readonly PortSet None = new([], "-");

    private readonly (int Low, int High)[] _ranges;

    private PortSet((int Low, int High)[] ranges, string text)
    {
        _ranges = ranges;
        Text = text;
    }

    public string Text { get; }

    public bool Contains(int port)
    {
        foreach (var (low, high) in _ranges)
        {
            if (port >= low && port <= high)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses entries such as <c>443</c> or <c>8000-8100</c>; each bad entry adds one error at its index.</summary>
    public static PortSet? Parse(IReadOnlyList<string> entries, IErrorSink errors)
    {
        var ranges = new List<(int, int)>(entries.Count);
        var ok = true;
        for (var i = 0; i < entries.Count; i++)
        {
            if (TryParseEntry(entries[i], out var range))
            {
                ranges.Add(range);
            }
            else
            {
                errors.Add(i, $"'{entries[i]}' is not a port (1-65535) or a port range such as 8000-8100");
                ok = false;
            }
        }

        if (!ok)
        {
            return null;
        }

        if (ranges.Count == 0)
        {
            errors.Add("the list is empty; leave it out for the default ports");
            return null;
        }

        ranges.Sort();
        return new PortSet([.. ranges], string.Join(',', entries));
    }

    private static bool TryParseEntry(string entry, out (int Low, int High) range)
    {
        range = default;
        var text = entry.AsSpan().Trim();
        var dash = text.IndexOf('-');
        if (dash < 0)
        {
            if (!PortNumber.TryParse(text, out var port))
            {
                return false;
            }

            range = (port, port);
            return true;
        }

        if (!PortNumber.TryParse(text[..dash].Trim(), out var low) || !PortNumber.TryParse(text[(dash + 1)..].Trim(), out var high) || low > high)
        {
            return false;
        }

        range = (low, high);
        return true;
    }

    public override string ToString() => Text;
}
