using YarpEgress.Policy;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Configuration.Compilation;

/// <summary><c>Egress:Clients</c>: who a connection belongs to (sources, pods, proxy credentials, certificate names) and the rules that adds.</summary>
internal static class ClientCompiler
{
    /// <param name="kubernetes"><c>Egress:Kubernetes:Enabled</c>: whether <c>Namespaces</c> and <c>ServiceAccounts</c> can match.</param>
    public static ClientDirectory Compile(List<ClientOptions> list, bool kubernetes, ConfigErrors errors)
    {
        var clients = new List<ClientPolicy>(list.Count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < list.Count; i++)
        {
            if (Compile(list[i], names, kubernetes, errors.Scope(nameof(EgressOptions.Clients), i)) is { } client)
            {
                clients.Add(client);
            }
        }

        return new ClientDirectory(clients);
    }

    private static ClientPolicy? Compile(ClientOptions client, HashSet<string> names, bool kubernetes, ConfigErrors errors)
    {
        var mark = errors.Mark();
        if (string.IsNullOrWhiteSpace(client.Name) || !names.Add(client.Name))
        {
            errors.Add(nameof(client.Name), string.IsNullOrWhiteSpace(client.Name) ? "a client needs a name" : $"'{client.Name}' is used by another client");
        }

        var sources = errors.Networks(nameof(client.Sources), client.Sources);
        PasswordHash? password = null;
        if (client.ProxyUser is not null)
        {
            if (string.IsNullOrEmpty(client.ProxyUser) || client.ProxyUser.Contains(':', StringComparison.Ordinal))
            {
                errors.Add(nameof(client.ProxyUser), "a user name, without ':'");
            }

            if (!PasswordHash.TryParse(client.ProxyPasswordHash, out password))
            {
                errors.Add(nameof(client.ProxyPasswordHash), "give the hash printed by 'YarpEgress hash-password' (pbkdf2-sha256$...), never the password");
            }
        }
        else if (client.ProxyPasswordHash is not null)
        {
            errors.Add(nameof(client.ProxyPasswordHash), "applies with ProxyUser only");
        }

        var workloads = KubernetesCompiler.Selector(client, kubernetes, errors);
        if (client.Sources.Count == 0 && client.ProxyUser is null && client.CertificateNames.Count == 0 && workloads.IsAny)
        {
            errors.Add("a client needs Sources, a ProxyUser, CertificateNames, Namespaces or ServiceAccounts");
        }

        var rules = new List<PolicyRule>();
        RuleCompiler.Compile(client.Allow, RuleKind.Allow, errors.Scope(nameof(client.Allow)), rules);
        RuleCompiler.Compile(client.Deny, RuleKind.Deny, errors.Scope(nameof(client.Deny)), rules);
        if (errors.HasErrorsSince(mark))
        {
            return null;
        }

        RuleSet allow = new(), deny = new();
        foreach (var rule in rules)
        {
            (rule.Kind == RuleKind.Allow ? allow : deny).Add(rule);
        }

        return new ClientPolicy(client.Name, sources, client.ProxyUser, password, client.CertificateNames, allow, deny) { Workloads = workloads };
    }
}
