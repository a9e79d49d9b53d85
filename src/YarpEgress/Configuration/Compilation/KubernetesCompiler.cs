using YarpEgress.Policy.Clients;

namespace YarpEgress.Configuration.Compilation;

/// <summary>
/// <c>Egress:Kubernetes</c> and the clients' <c>Namespaces</c> and <c>ServiceAccounts</c>. Kubernetes names are DNS
/// labels (namespaces) and DNS subdomains (service accounts), compared as written (the API stores them in lower case).
/// </summary>
internal static class KubernetesCompiler
{
    private const string Key = $"{EgressOptions.SectionName}:{nameof(EgressOptions.Kubernetes)}";

    public static void Validate(EgressOptions options, ConfigErrors root)
    {
        var kubernetes = options.Kubernetes;
        var errors = root.Scope(nameof(options.Kubernetes));
        if (!kubernetes.Enabled && (kubernetes.Kubeconfig is not null || kubernetes.Namespaces.Count > 0))
        {
            errors.Add("Kubeconfig and Namespaces apply with Enabled true only");
        }

        if (kubernetes.Kubeconfig is { } path && !File.Exists(path))
        {
            errors.Add(nameof(kubernetes.Kubeconfig), $"'{path}' does not exist (without a kubeconfig the in-cluster service account is used)");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var namespaces = errors.Scope(nameof(kubernetes.Namespaces));
        for (var i = 0; i < kubernetes.Namespaces.Count; i++)
        {
            var name = kubernetes.Namespaces[i];
            if (!IsLabel(name))
            {
                namespaces.Add(i, NotNamespace(name));
            }
            else if (!seen.Add(name))
            {
                namespaces.Add(i, $"'{name}' is listed twice");
            }
        }

        errors.Positive(nameof(kubernetes.MaxStaleness), kubernetes.MaxStaleness);
        root.Scope(nameof(options.Telemetry)).Within(nameof(TelemetryOptions.MaxWorkloadLabels), options.Telemetry.MaxWorkloadLabels, 0, 100_000);
    }

    /// <summary>A client's <c>Namespaces</c> and <c>ServiceAccounts</c>, which need the pod index to mean anything.</summary>
    public static WorkloadSelector Selector(ClientOptions client, bool enabled, ConfigErrors errors)
    {
        if (client.Namespaces.Count == 0 && client.ServiceAccounts.Count == 0)
        {
            return WorkloadSelector.Any;
        }

        if (!enabled)
        {
            errors.Add($"Namespaces and ServiceAccounts need {Key}:Enabled true (without it no pod is known, and the client would never match)");
        }

        var namespaces = new List<string>(client.Namespaces.Count);
        for (var i = 0; i < client.Namespaces.Count; i++)
        {
            if (IsLabel(client.Namespaces[i]))
            {
                namespaces.Add(client.Namespaces[i]);
            }
            else
            {
                errors.Scope(nameof(client.Namespaces)).Add(i, NotNamespace(client.Namespaces[i]));
            }
        }

        var accounts = new List<(string, string)>(client.ServiceAccounts.Count);
        for (var i = 0; i < client.ServiceAccounts.Count; i++)
        {
            var entry = client.ServiceAccounts[i];
            var slash = entry.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && IsLabel(entry[..slash]) && IsSubdomain(entry[(slash + 1)..]))
            {
                accounts.Add((entry[..slash], entry[(slash + 1)..]));
            }
            else
            {
                errors.Scope(nameof(client.ServiceAccounts)).Add(i, $"'{entry}' is not namespace/name (such as 'payments/checkout')");
            }
        }

        return new WorkloadSelector(namespaces, accounts);
    }

    /// <summary>What a reloaded config changes in <c>Egress:Kubernetes</c>, which is bound at start-up.</summary>
    public static void RestartChanges(EgressOptions bound, EgressOptions next, List<string> changes)
    {
        var (was, now) = (bound.Kubernetes, next.Kubernetes);
        if (was.Enabled != now.Enabled || was.Kubeconfig != now.Kubeconfig || !was.Namespaces.SequenceEqual(now.Namespaces, StringComparer.Ordinal)
            || was.MaxStaleness != now.MaxStaleness)
        {
            changes.Add($"{Key}: changed in the config; the settings of start-up stay in force until a restart");
        }
    }

    private static string NotNamespace(string name) => $"'{name}' is not a namespace name (lower-case letters, digits and '-', at most 63)";

    /// <summary>An RFC 1123 label: what a namespace name is.</summary>
    private static bool IsLabel(string name)
    {
        if (name.Length is 0 or > 63 || name[0] == '-' || name[^1] == '-')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An RFC 1123 subdomain: what a service account name is.</summary>
    private static bool IsSubdomain(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (!IsLabel(label))
            {
                return false;
            }
        }

        return true;
    }
}
