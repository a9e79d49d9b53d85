using System.Net;
using System.Net.Sockets;
using YarpEgress.Addressing;
using YarpEgress.Diagnostics;

namespace YarpEgress.Policy;

/// <summary>
/// Which <c>Host</c> headers the admin listener answers (<c>Egress:Admin:AllowedHosts</c>), against DNS rebinding: a
/// page in a browser on the same machine whose name re-resolves to the admin address sends its own name as the Host.
/// IP literals always pass (rebinding needs a name, and kubelet probes and Prometheus scrapes send the pod IP), as do
/// <c>localhost</c>, a request without a Host, and the listed names; <c>"*"</c> lets every name through.
/// </summary>
internal sealed class AdminHostFilter
{
    public const string Localhost = "localhost";

    public static readonly AdminHostFilter Default = new([Localhost], any: false);

    private readonly HashSet<string> _names;
    private readonly bool _any;

    private AdminHostFilter(HashSet<string> names, bool any)
    {
        _names = names;
        _any = any;
    }

    /// <summary>Each entry that is no host name adds an error at its index.</summary>
    public static AdminHostFilter Parse(List<string> entries, IErrorSink errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { Localhost };
        var any = false;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i].Trim();
            if (entry == "*")
            {
                any = true;
            }
            else if (IsIpLiteral(entry))
            {
                // always allowed; listing one is harmless
            }
            else if (HostName.TryNormalize(entry, wildcards: false, out var name, out var error))
            {
                names.Add(name);
            }
            else
            {
                errors.Add(i, $"'{entries[i]}' is not a host name ({error}); list exact names, or \"*\" for any");
            }
        }

        return new AdminHostFilter(names, any);
    }

    public bool Allows(HostString host)
    {
        if (_any || !host.HasValue || host.Host.Length == 0)
        {
            return true;
        }

        var name = host.Host;
        return IsIpLiteral(name) || (HostName.TryNormalize(name, wildcards: false, out var normalized, out _) && _names.Contains(normalized));
    }

    /// <summary>A dotted-quad IPv4 address or an IPv6 address (bracketed or not); not the short IPv4 forms ("127.1").</summary>
    private static bool IsIpLiteral(string text)
    {
        var span = text.AsSpan();
        if (span is ['[', .., ']'])
        {
            span = span[1..^1];
        }

        if (!IPAddress.TryParse(span, out var address))
        {
            return false;
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 || (span.Count('.') == 3 && !span.ContainsAnyExcept("0123456789."));
    }
}
