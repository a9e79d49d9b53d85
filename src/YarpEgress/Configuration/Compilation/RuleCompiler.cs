using YarpEgress.Policy;

namespace YarpEgress.Configuration.Compilation;

/// <summary><c>Allow</c> and <c>Deny</c> lists (the policy's, and each client's): a host pattern or a CIDR range, and ports.</summary>
internal static class RuleCompiler
{
    /// <summary>Adds the good rules of <paramref name="list"/> to <paramref name="rules"/>; <paramref name="errors"/> is scoped to the list.</summary>
    public static void Compile(List<RuleOptions> list, RuleKind kind, ConfigErrors errors, List<PolicyRule> rules)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (Compile(list[i], kind, i, errors.Scope(i)) is { } rule)
            {
                rules.Add(rule);
            }
        }
    }

    private static PolicyRule? Compile(RuleOptions rule, RuleKind kind, int index, ConfigErrors errors)
    {
        var ports = rule.Ports is null
            ? (kind == RuleKind.Allow ? PortSet.Web : PortSet.All)
            : PortSet.Parse(rule.Ports, errors.Scope(nameof(rule.Ports)));

        var reportOnly = rule.Mode == EnforcementMode.Report;
        if (reportOnly && kind == RuleKind.Allow)
        {
            errors.Add(nameof(rule.Mode), $"Report applies to Deny rules (or to the whole policy with {EgressOptions.SectionName}:Mode)");
        }

        var hasHost = !string.IsNullOrWhiteSpace(rule.Host);
        var hasCidr = !string.IsNullOrWhiteSpace(rule.Cidr);
        if (hasHost == hasCidr)
        {
            errors.Add($"give either Host or Cidr{(hasHost ? ", not both" : string.Empty)}");
            return null;
        }

        if (hasHost)
        {
            if (!HostPattern.TryParse(rule.Host, out var pattern, out var error))
            {
                errors.Add(nameof(rule.Host), error);
                return null;
            }

            return ports is null ? null : PolicyRule.ForHost(kind, index, pattern, ports, reportOnly);
        }

        return errors.Cidr(nameof(rule.Cidr), rule.Cidr!, out var network) && ports is not null
            ? PolicyRule.ForNetwork(kind, index, network, ports, reportOnly)
            : null;
    }
}
