using System.Globalization;
using System.Text.Json.Nodes;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// The gateway in the mesh (its namespace or pod asks for injection): its own sidecar must leave its outbound
/// connections and DNS alone, outlive its drain, and still let Prometheus scrape it.
/// </summary>
internal static class GatewaySidecarRule
{
    public static bool IsInjected(IReadOnlyList<JsonObject> rendered)
    {
        var deployment = Gateway(rendered);
        var space = rendered.OfKind("Namespace").SingleOrDefault(n => n.Name() == MeshRules.GatewayNamespace);
        var pod = deployment?.Text("spec", "template", "metadata", "labels", "sidecar.istio.io/inject");
        return pod == "true" || (pod != "false" && (space.Text("metadata", "labels", "istio-injection") == "enabled"
            || space.At("metadata", "labels", "istio.io/rev") is not null));
    }

    /// <param name="rendered">Everything one `kubectl apply -k` creates.</param>
    /// <param name="drain">The gateway's DrainDelay + Drain.</param>
    public static IEnumerable<string> Check(IReadOnlyList<JsonObject> rendered, TimeSpan drain)
    {
        if (!IsInjected(rendered))
        {
            yield break;
        }

        var deployment = Gateway(rendered)!;
        var annotations = deployment.At("spec", "template", "metadata", "annotations");
        var excluded = (annotations.Text("traffic.sidecar.istio.io/excludeOutboundIPRanges") ?? string.Empty).Split(',', StringSplitOptions.TrimEntries);
        var included = annotations.Text("traffic.sidecar.istio.io/includeOutboundIPRanges");
        if (!(included == string.Empty || (excluded.Contains("0.0.0.0/0") && excluded.Contains("::/0"))))
        {
            yield return $"{deployment.Id()}: its sidecar captures the gateway's outbound connections (the recipes' routes would loop them back to it): " +
                "set traffic.sidecar.istio.io/excludeOutboundIPRanges: \"0.0.0.0/0,::/0\"";
        }

        var proxy = annotations.Text("proxy.istio.io/config") is { } text ? YamlJson.Documents(text).SingleOrDefault() : null;
        if (proxy.Text("proxyMetadata", "ISTIO_META_DNS_CAPTURE") != "false")
        {
            yield return $"{deployment.Id()}: its sidecar may answer its DNS with auto-allocated 240.240.0.0/16 addresses, which the SSRF guard refuses: " +
                "proxy.istio.io/config proxyMetadata ISTIO_META_DNS_CAPTURE: \"false\"";
        }

        var grace = TimeSpan.FromSeconds(double.Parse(deployment.Text("spec", "template", "spec", "terminationGracePeriodSeconds") ?? "30", CultureInfo.InvariantCulture));
        var sidecarDrain = Duration(proxy.Text("terminationDrainDuration") ?? "5s");
        if (sidecarDrain < drain || sidecarDrain >= grace)
        {
            yield return $"{deployment.Id()}: the sidecar's terminationDrainDuration ({sidecarDrain.TotalSeconds} s) must cover the gateway's drain " +
                $"({drain.TotalSeconds} s) and end within terminationGracePeriodSeconds ({grace.TotalSeconds} s)";
        }

        if (proxy.At("holdApplicationUntilProxyStarts")?.GetValue<bool>() != true)
        {
            yield return $"{deployment.Id()}: holdApplicationUntilProxyStarts: the gateway turns ready before its sidecar can take inbound mTLS";
        }

        if (annotations.Text("prometheus.io/scrape") == "true" && !NetworkPolicyAdmits(rendered, 15020))
        {
            yield return $"{deployment.Id()}: with a sidecar Prometheus scrapes the merged metrics on 15020, which the NetworkPolicy does not admit";
        }
    }

    private static JsonObject? Gateway(IReadOnlyList<JsonObject> rendered) =>
        rendered.OfKind("Deployment").SingleOrDefault(d => d.Name() == "yarp-egress");

    private static bool NetworkPolicyAdmits(IReadOnlyList<JsonObject> rendered, int port) => rendered.OfKind("NetworkPolicy")
        .Where(p => p.Name() == "yarp-egress")
        .SelectMany(p => p.Items("spec", "ingress"))
        .SelectMany(i => i.Items("ports"))
        .Any(p => p.Text("port") == port.ToString(CultureInfo.InvariantCulture));

    /// <summary>A Go duration as Istio writes it: <c>40s</c>, <c>1m30s</c>, <c>500ms</c>.</summary>
    public static TimeSpan Duration(string text)
    {
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            var number = double.Parse(text[start..i], CultureInfo.InvariantCulture);
            var unitStart = i;
            while (i < text.Length && char.IsLetter(text[i]))
            {
                i++;
            }

            total += text[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(number),
                "m" => TimeSpan.FromMinutes(number),
                "s" => TimeSpan.FromSeconds(number),
                "ms" => TimeSpan.FromMilliseconds(number),
                var unit => throw new FormatException($"'{text}': unit '{unit}' is not a Go duration unit"),
            };
        }

        return total;
    }
}
