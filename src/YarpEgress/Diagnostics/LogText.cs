using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace YarpEgress.Diagnostics;

/// <summary>
/// Makes a client-controlled value safe to put in a log event: control characters (C0, DEL, C1: CR, LF, ESC, ...),
/// Unicode line and paragraph separators and bidirectional overrides become visible escapes (<c>\r</c>, <c>\n</c>,
/// <c>\x1B</c>, <c>\u2028</c>), and a backslash becomes <c>\\</c>, so an escape in the log always means an escaped
/// character. No client can then start a forged line or send a terminal sequence through any formatter. A value with
/// nothing to escape (every well-formed one) is returned as it is, without allocating.
/// </summary>
internal static class LogText
{
    private static readonly SearchValues<char> Escaped = SearchValues.Create(Build());

    /// <summary>The value with every character that could forge or hide log output escaped; null stays null.</summary>
    [return: NotNullIfNotNull(nameof(value))]
    public static string? Escape(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var first = value.AsSpan().IndexOfAny(Escaped);
        return first < 0 ? value : EscapeFrom(value, first);
    }

    private static string EscapeFrom(string value, int first)
    {
        var text = new StringBuilder(value.Length + 16);
        text.Append(value, 0, first);
        foreach (var c in value.AsSpan(first))
        {
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '\r': text.Append(@"\r"); break;
                case '\n': text.Append(@"\n"); break;
                case '\t': text.Append(@"\t"); break;
                case < '\u0100' when Escaped.Contains(c): text.Append(@"\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture)); break;
                case var _ when Escaped.Contains(c): text.Append(@"\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }

        return text.ToString();
    }

    private static string Build()
    {
        var chars = new StringBuilder("\\");
        for (var c = '\u0000'; c < '\u0020'; c++)
        {
            chars.Append(c);
        }

        for (var c = '\u007F'; c < '\u00A0'; c++)
        {
            chars.Append(c); // DEL and the C1 controls (U+009B is a one-character CSI)
        }

        chars.Append("\u2028\u2029"); // line and paragraph separators
        chars.Append("\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069"); // bidi marks and overrides
        return chars.ToString();
    }
}
