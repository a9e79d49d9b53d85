using YarpEgress.Policy;
using YarpEgress.Routing;

namespace YarpEgress.Configuration.Compilation;

/// <summary>
/// Validates bound <see cref="EgressOptions"/> and compiles them into an <see cref="EgressSnapshot"/>, section by
/// section (one compiler each, as YARP's config validator delegates to route and cluster validators). Every problem is
/// added to the error list with its key path (<c>Egress:Allow:3:Host: ...</c>), so an operator sees them all at once.
/// </summary>
internal static class EgressConfigCompiler
{
    public static EgressSnapshot? Compile(EgressOptions options, List<string> list)
    {
        var errors = new ConfigErrors(list);
        var mark = errors.Mark();
        var termination = ListenerCompiler.Compile(options, errors);
        var listenerSettings = ListenerCompiler.Settings(options.Listeners, errors);
        var (strip, via) = HttpCompiler.Compile(options.Http, errors.Scope(nameof(options.Http)));
        var rules = new List<PolicyRule>();
        RuleCompiler.Compile(options.Allow, RuleKind.Allow, errors.Scope(nameof(options.Allow)), rules);
        RuleCompiler.Compile(options.Deny, RuleKind.Deny, errors.Scope(nameof(options.Deny)), rules);
        var clients = ClientCompiler.Compile(options.Clients, options.Kubernetes.Enabled, errors);
        var routes = RouteCompiler.Compile(options.Routes, errors);
        var pins = HostPins.Parse(options.Hosts, errors.Scope(nameof(options.Hosts)));
        var privateAllow = errors.Scope(nameof(options.PrivateNetworks)).Networks(nameof(PrivateNetworkOptions.Allow), options.PrivateNetworks.Allow);
        SettingsValidator.Validate(options, errors);
        KubernetesCompiler.Validate(options, errors);
        var adminHosts = AdminHostFilter.Parse(options.Admin.AllowedHosts, errors.Scope(nameof(options.Admin)).Scope(nameof(AdminOptions.AllowedHosts)));
        var sniExempt = options.Policy.SniMatchExemptPorts.Count == 0
            ? PortSet.None
            : PortSet.Parse(options.Policy.SniMatchExemptPorts, errors.Scope(nameof(options.Policy)).Scope(nameof(PolicyOptions.SniMatchExemptPorts)));
        return errors.HasErrorsSince(mark)
            ? null
            : new EgressSnapshot(options, new EgressPolicy(rules, options.Mode == EnforcementMode.Report), clients, routes, pins, termination, privateAllow)
            {
                AdminHosts = adminHosts,
                SniMatchExemptPorts = sniExempt ?? PortSet.None,
                ListenerSettingsByName = listenerSettings,
                StripRequestHeaders = strip,
                Via = via,
            };
    }
}
