using System.Net;

namespace YarpEgress.Policy.Clients;

/// <summary>One compiled client: how it is recognised, and the rules it adds to the global allowlist.</summary>
internal sealed class ClientPolicy(
    string name,
    IReadOnlyList<IPNetwork> sources,
    string? proxyUser,
    PasswordHash? password,
    IReadOnlyList<string> certificateNames,
    RuleSet allow,
    RuleSet deny)
{
    public string Name { get; } = name;

    public string? ProxyUser { get; } = proxyUser;

    /// <summary><see cref="ProxyUser"/> in UTF-8, compared with the user of a Basic credential as sent.</summary>
    public byte[]? ProxyUserUtf8 { get; } = proxyUser is null ? null : System.Text.Encoding.UTF8.GetBytes(proxyUser);

    /// <summary>The hash of the client's password, with <see cref="ProxyUser"/>.</summary>
    public PasswordHash? Password { get; } = password;

    /// <summary><c>Namespaces</c> and <c>ServiceAccounts</c>: the pods it is recognised by, besides (and together with) its sources.</summary>
    public WorkloadSelector Workloads { get; init; } = WorkloadSelector.Any;

    /// <summary>Recognised by client certificate only: never by source address or workload.</summary>
    public bool IsCertificateOnly => sources.Count == 0 && ProxyUser is null && Workloads.IsAny;

    public RuleSet Allow { get; } = allow;

    public RuleSet Deny { get; } = deny;

    /// <summary>
    /// Whether a connection from <paramref name="source"/>, whose pod is <paramref name="workload"/> (null: unknown),
    /// is this client's: its sources (none: any) include the address, and its workload selector (none: any) matches.
    /// </summary>
    public bool ComesFrom(IPAddress? source, WorkloadIdentity? workload) => Workloads.Matches(workload) && FromSources(source);

    private bool FromSources(IPAddress? source)
    {
        if (sources.Count == 0)
        {
            return true;
        }

        if (source is null)
        {
            return false;
        }

        source = source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source;
        foreach (var network in sources)
        {
            if (network.Contains(source))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when one of the certificate's names (subject CN, DNS SANs) is one of this client's.</summary>
    public bool Owns(IReadOnlyList<string> names)
    {
        foreach (var name in names)
        {
            foreach (var own in certificateNames)
            {
                if (string.Equals(name, own, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
