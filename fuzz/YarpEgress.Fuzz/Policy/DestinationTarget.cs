using System.Net;
using System.Net.Sockets;
using System.Text;
using YarpEgress.Addressing;
using YarpEgress.Fuzz.Infrastructure;
using YarpEgress.Policy;

namespace YarpEgress.Fuzz.Policy;

/// <summary>
/// Host names, destinations and host patterns on arbitrary text. The input is two texts (UTF-8, split at the first
/// NUL): a candidate host, destination or pattern, and a host to match the pattern against. Invariants: nothing
/// throws; a normalized name has the canonical grammar and normalizes to itself; a destination prints to text that
/// parses back to it; a pattern's text parses back to the pattern; the trie index and the pattern agree with a plain
/// label-by-label match.
/// </summary>
internal static class DestinationTarget
{
    public const string Name = "destination";

    public static void Run(ReadOnlySpan<byte> data)
    {
        var nul = data.IndexOf((byte)0);
        var first = Encoding.UTF8.GetString(nul < 0 ? data : data[..nul]);
        var second = nul < 0 ? first : Encoding.UTF8.GetString(data[(nul + 1)..]);

        CheckHostName(first);
        CheckAuthority(first, defaultPort: null);
        CheckAuthority(first, defaultPort: 443);
        CheckPattern(first, second);
    }

    public static void CheckHostName(string text)
    {
        var (plain, plainName) = Normalize(text, wildcards: false);
        var (wild, wildName) = Normalize(text, wildcards: true);
        Invariant.That(!plain || (wild && wildName == plainName), $"'{text}' normalizes without wildcards to '{plainName}' but with them to {wild}/'{wildName}'");
        if (wild)
        {
            Invariant.That(HostGrammar.IsNormalized(wildName, wildcards: true, deepLeftmostOnly: false), $"'{text}' normalized to '{wildName}', which is not canonical");
            var (again, againName) = Normalize(wildName, wildcards: true);
            Invariant.That(again && againName == wildName, $"'{text}' normalized to '{wildName}', which normalizes to {again}/'{againName}'");
        }
    }

    public static void CheckAuthority(string text, int? defaultPort)
    {
        var (ok, destination, error) = Invariant.NoThrow(
            () => (Destination.TryParse(text, defaultPort, out var d, out var e), d, e),
            $"Destination.TryParse('{text}', {defaultPort})");
        Invariant.That(ok == string.IsNullOrEmpty(error), $"'{text}': parsed {ok} with error '{error}'");
        if (!ok)
        {
            return;
        }

        Invariant.That(destination.Port is >= 1 and <= 65535, $"'{text}' parsed to port {destination.Port}");
        if (destination.Address is { } address)
        {
            Invariant.That(!address.IsIPv4MappedToIPv6, $"'{text}' kept the IPv4-mapped form {address}");
            Invariant.Equal(address.ToString(), destination.Host, $"'{text}': the host of an address");
            Invariant.That(address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6, $"'{text}' parsed to {address.AddressFamily}");
        }
        else
        {
            Invariant.That(HostGrammar.IsNormalized(destination.Host, wildcards: false), $"'{text}' parsed to host '{destination.Host}', which is not canonical");
            Invariant.That(!IPAddress.TryParse(destination.Host, out var hidden) || hidden.AddressFamily != AddressFamily.InterNetwork,
                $"'{text}' parsed to the host name '{destination.Host}', which is an IPv4 address the resolver would dial");
        }

        var printed = destination.ToString();
        var (again, reparsed, againError) = Invariant.NoThrow(
            () => (Destination.TryParse(printed, null, out var d, out var e), d, e),
            $"Destination.TryParse('{printed}')");
        Invariant.That(again, $"'{text}' parsed to '{printed}', which does not parse: {againError}");
        Invariant.Equal(destination, reparsed, $"'{text}' printed as '{printed}' and parsed back");
    }

    public static void CheckPattern(string text, string host)
    {
        var (ok, pattern, error) = Invariant.NoThrow(
            () => (HostPattern.TryParse(text, out var p, out var e), p, e),
            $"HostPattern.TryParse('{text}')");
        Invariant.That(ok == string.IsNullOrEmpty(error), $"pattern '{text}': parsed {ok} with error '{error}'");
        if (!ok)
        {
            return;
        }

        Invariant.That(HostGrammar.IsNormalized(pattern.Text, wildcards: true), $"pattern '{text}' normalized to '{pattern.Text}', which is not canonical");
        Invariant.That(HostPattern.TryParse(pattern.Text, out var again, out _) && again.Text == pattern.Text
            && again.IsDeep == pattern.IsDeep && again.LabelsRightToLeft.SequenceEqual(pattern.LabelsRightToLeft),
            $"pattern '{text}' normalized to '{pattern.Text}', which does not parse back to itself");
        if (!pattern.Text.Contains('*', StringComparison.Ordinal))
        {
            Invariant.That(pattern.IsMatch(pattern.Text), $"pattern '{pattern.Text}' does not match itself");
        }

        var index = new HostRuleIndex<AnyPortRule>();
        var rule = new AnyPortRule(pattern);
        index.Add(rule);
        foreach (var candidate in new[] { host, pattern.Text.Replace("*", "x", StringComparison.Ordinal), "a." + pattern.Text.Replace("**.", "", StringComparison.Ordinal) })
        {
            var (valid, name) = Normalize(candidate, wildcards: false);
            if (!valid)
            {
                continue;
            }

            var expected = HostGrammar.Matches(pattern.Text, name);
            Invariant.Equal(expected, pattern.IsMatch(name), $"pattern '{pattern.Text}' matching '{name}'");
            Invariant.Equal(expected, index.FindFirst(name, 443) is not null, $"the trie of pattern '{pattern.Text}' matching '{name}'");
        }
    }

    private static (bool Ok, string Name) Normalize(string text, bool wildcards)
    {
        var (ok, name, error) = Invariant.NoThrow(
            () => (HostName.TryNormalize(text, wildcards, out var n, out var e), n, e),
            $"HostName.TryNormalize('{text}', wildcards: {wildcards})");
        Invariant.That(ok == string.IsNullOrEmpty(error), $"'{text}': normalized {ok} with error '{error}'");
        return (ok, name);
    }

    private sealed class AnyPortRule(HostPattern pattern) : IHostRule
    {
        public int Order => 0;

        public HostPattern Pattern { get; } = pattern;

        public bool MatchesPort(int port) => true;
    }
}
