using System.Globalization;

namespace YarpEgress.Addressing;

/// <summary>
/// Canonical DNS host names: lower-case ASCII (IDN names in their punycode form), no trailing dot,
/// labels of letters, digits, '-' and '_' (1-63 characters), at most 253 characters in all.
/// Both the allowlist patterns and every requested destination go through here, so they compare alike.
/// </summary>
internal static class HostName
{
    public const int MaxLength = 253;
    public const int MaxLabelLength = 63;

    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>Normalizes a host name; <paramref name="wildcards"/> also lets labels '*' and '**' through.</summary>
    public static bool TryNormalize(ReadOnlySpan<char> host, bool wildcards, out string normalized, out string error)
    {
        normalized = string.Empty;
        if (host.EndsWith("."))
        {
            host = host[..^1];
        }

        if (host.IsEmpty)
        {
            error = "the host name is empty";
            return false;
        }

        string ascii;
        if (IsAscii(host))
        {
            ascii = host.ToString().ToLowerInvariant();
        }
        else
        {
            try
            {
                ascii = Idn.GetAscii(host.ToString()).ToLowerInvariant();
            }
            catch (ArgumentException)
            {
                error = "it is not a valid internationalized host name";
                return false;
            }
        }

        if (ascii.Length > MaxLength)
        {
            error = $"it is longer than {MaxLength} characters";
            return false;
        }

        if (!ValidLabels(ascii, wildcards, out error))
        {
            return false;
        }

        normalized = ascii;
        return true;
    }

    private static bool IsAscii(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (c > 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private static bool ValidLabels(string name, bool wildcards, out string error)
    {
        var rest = name.AsSpan();
        while (true)
        {
            var dot = rest.IndexOf('.');
            var label = dot < 0 ? rest : rest[..dot];
            if (!ValidLabel(label, wildcards, out error))
            {
                return false;
            }

            if (dot < 0)
            {
                return true;
            }

            rest = rest[(dot + 1)..];
        }
    }

    private static bool ValidLabel(ReadOnlySpan<char> label, bool wildcards, out string error)
    {
        error = string.Empty;
        if (label.IsEmpty)
        {
            error = "it has an empty label";
            return false;
        }

        if (wildcards && (label is "*" || label is "**"))
        {
            return true;
        }

        if (label.Length > MaxLabelLength)
        {
            error = $"label '{label}' is longer than {MaxLabelLength} characters";
            return false;
        }

        foreach (var c in label)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-' || c == '_'))
            {
                error = c == '*'
                    ? $"'*' must stand alone in a label ('{label}')"
                    : $"label '{label}' has the character '{c}'";
                return false;
            }
        }

        if (label[0] == '-' || label[^1] == '-')
        {
            error = $"label '{label}' starts or ends with '-'";
            return false;
        }

        return true;
    }
}
