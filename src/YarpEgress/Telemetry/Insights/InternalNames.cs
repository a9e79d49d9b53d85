namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// Names that point inside a network, never to the internet, so no allowlist learned from traffic suggests them:
/// single-label names (<c>redis</c>, <c>localhost</c>) and the special-use or cluster suffixes <c>.localhost</c>,
/// <c>.local</c> (mDNS, <c>svc.cluster.local</c>), <c>.internal</c> (cloud metadata and VPC names), <c>.home.arpa</c>
/// and <c>.svc</c>.
/// </summary>
internal static class InternalNames
{
    private static readonly string[] Suffixes = [".localhost", ".local", ".internal", ".home.arpa", ".svc"];

    /// <summary>True for a normalized host name (lower case, no trailing dot) that is internal.</summary>
    public static bool Is(string host)
    {
        if (!host.Contains('.'))
        {
            return true;
        }

        foreach (var suffix in Suffixes)
        {
            if (host.EndsWith(suffix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
