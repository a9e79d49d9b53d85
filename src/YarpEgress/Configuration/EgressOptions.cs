namespace YarpEgress.Configuration;

/// <summary>The <c>Egress</c> configuration section, as bound from appsettings; see README for every key.</summary>
public sealed class EgressOptions
{
    public const string SectionName = "Egress";

    /// <summary>The proxy listeners. Changing them needs a restart; everything else reloads live.</summary>
    public List<ListenerOptions> Listeners { get; set; } = [];

    public AdminOptions Admin { get; set; } = new();

    /// <summary>A destination may leave when an Allow rule matches its host and port and no Deny rule does.</summary>
    public List<RuleOptions> Allow { get; set; } = [];

    public List<RuleOptions> Deny { get; set; } = [];

    /// <summary>Named clients, by source address and/or proxy credentials, with rules of their own.</summary>
    public List<ClientOptions> Clients { get; set; } = [];

    /// <summary>How allowed destinations are reached (first match wins); without a match, the requested destination is dialed.</summary>
    public List<RouteOptions> Routes { get; set; } = [];

    /// <summary>Host name to address pins (comma-separated addresses), used instead of DNS.</summary>
    public Dictionary<string, string> Hosts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public TimeoutOptions Timeouts { get; set; } = new();

    public LimitOptions Limits { get; set; } = new();

    public PolicyOptions Policy { get; set; } = new();

    public TelemetryOptions Telemetry { get; set; } = new();

    /// <summary><c>Report</c> lets denied traffic through, logged and counted as reported.</summary>
    public EnforcementMode Mode { get; set; } = EnforcementMode.Enforce;

    public PrivateNetworkOptions PrivateNetworks { get; set; } = new();

    public DnsOptions Dns { get; set; } = new();

    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    public MemoryOptions Memory { get; set; } = new();

    public HttpOptions Http { get; set; } = new();

    /// <summary>Workload identity from the Kubernetes API (off by default).</summary>
    public KubernetesOptions Kubernetes { get; set; } = new();

    /// <summary>The allowlist suggested from traffic (<c>/allowlist/suggested</c>).</summary>
    public SuggestOptions Suggest { get; set; } = new();

    public TunnelOptions Tunnels { get; set; } = new();
}
