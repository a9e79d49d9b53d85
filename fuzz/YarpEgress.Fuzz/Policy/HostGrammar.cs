namespace YarpEgress.Fuzz.Policy;

/// <summary>
/// What a normalized host name or pattern must look like, checked plainly (RFC 1035 2.3.4 lengths, letters, digits,
/// '-' inside a label, '_' allowed, lower case): and a label-by-label pattern match to hold the trie and the pattern to.
/// </summary>
internal static class HostGrammar
{
    /// <param name="wildcards">Labels <c>*</c> and <c>**</c> pass too; <c>**</c> only leftmost when <paramref name="deepLeftmostOnly"/>.</param>
    public static bool IsNormalized(string name, bool wildcards, bool deepLeftmostOnly = true)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        var labels = name.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (wildcards && (label == "*" || (label == "**" && (i == 0 || !deepLeftmostOnly))))
            {
                continue;
            }

            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-'))
            {
                return false;
            }

            if (!label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>*</c> is one label, a leading <c>**</c> one or more; every other label compares exactly.</summary>
    public static bool Matches(string pattern, string host)
    {
        var p = pattern.Split('.');
        var h = host.Split('.');
        var deep = p[0] == "**";
        var fixedLabels = deep ? p.Length - 1 : p.Length;
        if (deep ? h.Length <= fixedLabels : h.Length != fixedLabels)
        {
            return false;
        }

        for (var i = 1; i <= fixedLabels; i++)
        {
            var label = p[^i];
            if (label != "*" && label != h[^i])
            {
                return false;
            }
        }

        return true;
    }
}
