using YarpEgress.Addressing;
namespace YarpEgress.Policy;

/// <summary>
/// A host pattern of the allowlist, compared label by label: <c>*</c> is exactly one label and may stand in any
/// label; a leading <c>**</c> is one or more labels. <c>*.qq.com</c> matches <c>www.qq.com</c> only,
/// <c>**.qq.com</c> matches <c>www.qq.com</c> and <c>a.b.qq.com</c>, neither matches <c>qq.com</c>.
/// </summary>
internal sealed class HostPattern
{
    private HostPattern(string text, string[] labelsRightToLeft, bool deep)
    {
        Text = text;
        LabelsRightToLeft = labelsRightToLeft;
        IsDeep = deep;
    }

    /// <summary>The normalized pattern (lower case, punycode, no trailing dot).</summary>
    public string Text { get; }

    /// <summary>The labels after a leading <c>**</c>, rightmost first; each is a name or <c>*</c>.</summary>
    public string[] LabelsRightToLeft { get; }

    /// <summary>True when the pattern starts with <c>**</c> (one or more further labels).</summary>
    public bool IsDeep { get; }

    public static bool TryParse(string? text, out HostPattern pattern, out string error)
    {
        pattern = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the host pattern is empty";
            return false;
        }

        if (!HostName.TryNormalize(text.Trim(), wildcards: true, out var normalized, out error))
        {
            error = $"'{text}' is not a valid host pattern: {error}";
            return false;
        }

        var labels = normalized.Split('.');
        var deep = labels[0] == "**";
        for (var i = deep ? 1 : 0; i < labels.Length; i++)
        {
            if (labels[i] == "**")
            {
                error = $"'{text}' is not a valid host pattern: '**' may only stand as the leftmost label";
                return false;
            }
        }

        var rest = deep ? labels[1..] : labels;
        Array.Reverse(rest);
        pattern = new HostPattern(normalized, rest, deep);
        error = string.Empty;
        return true;
    }

    /// <summary>Matches one normalized host name (see <see cref="HostName"/>); for many patterns use <see cref="HostRuleIndex{T}"/>.</summary>
    public bool IsMatch(ReadOnlySpan<char> host)
    {
        var labels = LabelsRightToLeft;
        for (var i = 0; i < labels.Length; i++)
        {
            if (host.IsEmpty)
            {
                return false;
            }

            var dot = host.LastIndexOf('.');
            var label = host[(dot + 1)..];
            if (labels[i] != "*" && !label.SequenceEqual(labels[i]))
            {
                return false;
            }

            host = dot < 0 ? [] : host[..dot];
        }

        return IsDeep ? !host.IsEmpty : host.IsEmpty;
    }

    public override string ToString() => Text;
}
