namespace YarpEgress.Configuration;

/// <summary>An Allow or Deny rule: a host pattern or a CIDR, and ports.</summary>
public sealed class RuleOptions
{
    /// <summary>Host pattern: <c>example.com</c>, <c>*.example.com</c>, <c>api.*.example.com</c>, <c>**.example.com</c>.</summary>
    public string? Host { get; set; }

    /// <summary>Matches destinations given as IP literals: <c>203.0.113.0/24</c>, <c>2001:db8::/32</c> or one address.</summary>
    public string? Cidr { get; set; }

    /// <summary>Ports and ranges (<c>443</c>, <c>"8000-8100"</c>). Omitted: 80 and 443 on Allow rules, every port on Deny rules.</summary>
    public List<string>? Ports { get; set; }

    /// <summary>Deny rules only: <c>Report</c> lets matching traffic through (when allowed otherwise), reported with this rule.</summary>
    public EnforcementMode Mode { get; set; } = EnforcementMode.Enforce;
}
