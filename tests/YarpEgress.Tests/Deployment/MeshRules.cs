using System.Text.Json.Nodes;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// What Istio accepts but does not do as the recipe means, checked the way istiod reads the objects. Each rule returns
/// one message per mistake (empty: none), so a test can show both that the shipped manifests pass and that the
/// mistake would be caught.
/// </summary>
internal static class MeshRules
{
    public const string GatewayNamespace = "yarp-egress";
    public const string RootNamespace = "istio-system";
    public const string GatewayHost = "yarp-egress.yarp-egress.svc.cluster.local";

    private static readonly string[] SourceMatches = ["principals", "notPrincipals", "requestPrincipals", "notRequestPrincipals", "namespaces", "notNamespaces"];
    private static readonly string[] OperationMatches = ["hosts", "notHosts", "paths", "notPaths"];

    /// <summary>
    /// AuthorizationPolicy string matches are exact, <c>*</c>, <c>*suffix</c> or <c>prefix*</c>: a <c>*</c> anywhere
    /// else is a literal, so <c>cluster.local/ns/*/sa/*</c> matches no identity and an ALLOW rule with it admits no one.
    /// </summary>
    public static IEnumerable<string> StringMatches(IEnumerable<JsonObject> documents)
    {
        foreach (var policy in documents.OfKind("AuthorizationPolicy"))
        {
            var rules = policy.Items("spec", "rules").ToList();
            for (var r = 0; r < rules.Count; r++)
            {
                foreach (var (side, fields, clauses) in new[] { ("from", SourceMatches, "source"), ("to", OperationMatches, "operation") })
                {
                    var entries = rules[r].Items(side).ToList();
                    for (var e = 0; e < entries.Count; e++)
                    {
                        foreach (var field in fields)
                        {
                            foreach (var value in entries[e].Items(clauses, field).Select(v => v.GetValue<string>()).Where(v => !IsStringMatch(v)))
                            {
                                yield return $"{policy.Id()}: rules[{r}].{side}[{e}].{clauses}.{field} '{value}': Istio matches exact values, '*', " +
                                    "'*suffix' or 'prefix*'; this '*' is a literal and matches nothing";
                            }
                        }
                    }
                }

                foreach (var condition in rules[r].Items("when"))
                {
                    foreach (var value in condition.Items("values").Concat(condition.Items("notValues")).Select(v => v.GetValue<string>()).Where(v => !IsStringMatch(v)))
                    {
                        yield return $"{policy.Id()}: rules[{r}].when {condition.Text("key")} '{value}': a '*' only at one end";
                    }
                }
            }
        }
    }

    public static bool IsStringMatch(string value)
    {
        var first = value.IndexOf('*', StringComparison.Ordinal);
        return first < 0 || value == "*" || (first == value.LastIndexOf('*') && (first == 0 || first == value.Length - 1));
    }

    /// <summary>
    /// A sidecar reads <c>credentialName</c> only from a DestinationRule with a <c>workloadSelector</c>; without one
    /// it builds no TLS and sends plaintext. TLS to the gateway must verify it: <c>caCertificates</c> and
    /// <c>subjectAltNames</c>.
    /// </summary>
    public static IEnumerable<string> DestinationRuleTls(IEnumerable<JsonObject> documents)
    {
        foreach (var rule in documents.OfKind("DestinationRule"))
        {
            var selected = rule.At("spec", "workloadSelector") is not null;
            var toGateway = rule.Text("spec", "host") == GatewayHost;
            foreach (var (where, tls) in TlsSettings(rule))
            {
                if (tls.Text("credentialName") is { } credential && !selected)
                {
                    yield return $"{rule.Id()}: {where}.credentialName '{credential}' without spec.workloadSelector: sidecars ignore it and send plaintext; " +
                        "use caCertificates and subjectAltNames";
                }

                if (toGateway && tls.Text("mode") is "SIMPLE" or "MUTUAL")
                {
                    if (tls.Text("caCertificates") is null && !(selected && tls.Text("credentialName") is not null))
                    {
                        yield return $"{rule.Id()}: {where}: TLS to the gateway without caCertificates verifies it against the system roots, which never signed it";
                    }

                    if (!tls.Items("subjectAltNames").Any() || tls.At("insecureSkipVerify")?.GetValue<bool>() == true)
                    {
                        yield return $"{rule.Id()}: {where}: TLS to the gateway must check its name (subjectAltNames, no insecureSkipVerify)";
                    }
                }
            }
        }
    }

    private static IEnumerable<(string Where, JsonNode Tls)> TlsSettings(JsonObject rule)
    {
        var policies = new List<(string, JsonNode?)> { ("trafficPolicy", rule.At("spec", "trafficPolicy")) };
        policies.AddRange(rule.Items("spec", "subsets").Select((s, i) => ($"subsets[{i}].trafficPolicy", s.At("trafficPolicy"))));
        foreach (var (where, policy) in policies)
        {
            if (policy.At("tls") is { } tls)
            {
                yield return ($"{where}.tls", tls);
            }

            foreach (var (setting, i) in policy.Items("portLevelSettings").Select((s, i) => (s, i)))
            {
                if (setting.At("tls") is { } portTls)
                {
                    yield return ($"{where}.portLevelSettings[{i}].tls", portTls);
                }
            }
        }
    }

    /// <summary>
    /// A REGISTRY_ONLY default (a root-namespace Sidecar without selector, or the mesh config) also covers the
    /// gateway's sidecar and locks it out of the internet, unless the gateway's namespace has its own Sidecar with
    /// ALLOW_ANY; and the default must still let clients reach the gateway.
    /// </summary>
    public static IEnumerable<string> RegistryOnly(IEnumerable<JsonObject> documents)
    {
        var all = documents.ToList();
        var sidecars = all.OfKind("Sidecar").ToList();
        var defaults = sidecars.Where(s => s.Namespace() == RootNamespace && s.At("spec", "workloadSelector") is null).ToList();
        var registryOnly = defaults.Where(s => s.Text("spec", "outboundTrafficPolicy", "mode") == "REGISTRY_ONLY").Select(s => s.Id())
            .Concat(all.OfKind("IstioOperator").Where(o => o.Text("spec", "meshConfig", "outboundTrafficPolicy", "mode") == "REGISTRY_ONLY").Select(o => o.Id()))
            .ToList();
        var gateway = sidecars.Where(s => s.Namespace() == GatewayNamespace && SelectsGateway(s)).ToList();
        foreach (var sidecar in gateway.Where(s => s.Text("spec", "outboundTrafficPolicy", "mode") == "REGISTRY_ONLY"))
        {
            yield return $"{sidecar.Id()}: REGISTRY_ONLY on the gateway itself";
        }

        if (registryOnly.Count > 0 && !gateway.Any(s => s.Text("spec", "outboundTrafficPolicy", "mode") == "ALLOW_ANY"))
        {
            yield return $"{string.Join(", ", registryOnly)}: REGISTRY_ONLY would cover the gateway's namespace too; add a Sidecar in {GatewayNamespace} with outboundTrafficPolicy ALLOW_ANY";
        }

        foreach (var sidecar in defaults.Where(s => s.Text("spec", "outboundTrafficPolicy", "mode") == "REGISTRY_ONLY"))
        {
            var hosts = sidecar.Items("spec", "egress").SelectMany(e => e.Items("hosts")).Select(h => h.GetValue<string>()).ToList();
            if (!hosts.Any(h => h is "*/*" or $"{GatewayNamespace}/*" or $"{GatewayNamespace}/{GatewayHost}" or $"*/{GatewayHost}"))
            {
                yield return $"{sidecar.Id()}: its egress hosts leave out the gateway ({GatewayNamespace}/{GatewayHost}), so REGISTRY_ONLY would block the way out too";
            }
        }
    }

    private static bool SelectsGateway(JsonObject sidecar) =>
        sidecar.At("spec", "workloadSelector") is null || sidecar.Text("spec", "workloadSelector", "labels", "app") == "yarp-egress";
}
