using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using YarpEgress.Tests.Deployment;

namespace YarpEgress.Tests.Observability;

/// <summary>
/// The Prometheus Operator's kinds have no vendored schema: their fields are checked against the
/// monitoring.coreos.com/v1 fields listed here (a subset of the CRDs: a typo, or a field the operator does not have,
/// fails), and their label selectors against the Kubernetes client's V1LabelSelector, strictly.
/// </summary>
internal static class MonitoringFields
{
    private static readonly string[] Metadata = ["name", "namespace", "labels", "annotations"];

    private static readonly string[] Relabeling = ["action", "modulus", "regex", "replacement", "separator", "sourceLabels", "targetLabel"];

    private static readonly string[] Endpoint =
    [
        "port", "targetPort", "path", "scheme", "params", "interval", "scrapeTimeout", "honorLabels", "honorTimestamps",
        "relabelings", "metricRelabelings", "followRedirects", "enableHttp2", "filterRunning", "tlsConfig", "authorization",
    ];

    public static List<string> Problems(JsonObject document)
    {
        var problems = new List<string>();
        void Known(JsonNode? node, string where, IEnumerable<string> known)
        {
            if (node is JsonObject map)
            {
                problems.AddRange(map.Select(p => p.Key).Except(known).Select(k => $"{document.Id()}: unknown field {where}.{k}"));
            }
        }

        void Required(JsonNode? node, string where)
        {
            if (node is null)
            {
                problems.Add($"{document.Id()}: {where} is required");
            }
        }

        if (document.Text("apiVersion") != "monitoring.coreos.com/v1")
        {
            problems.Add($"{document.Id()}: apiVersion {document.Text("apiVersion")} is not monitoring.coreos.com/v1");
        }

        Known(document, string.Empty, ["apiVersion", "kind", "metadata", "spec"]);
        Known(document["metadata"], "metadata", Metadata);
        var spec = document["spec"];
        switch (document.Kind())
        {
            case "ServiceMonitor":
            case "PodMonitor":
                var endpoints = document.Kind() == "ServiceMonitor" ? "endpoints" : "podMetricsEndpoints";
                Known(spec, "spec", ["jobLabel", "selector", "namespaceSelector", endpoints, "podTargetLabels", "targetLabels", "sampleLimit", "attachMetadata"]);
                Required(spec.At("selector"), "spec.selector");
                Required(spec.At(endpoints), $"spec.{endpoints}");
                var selector = Record.Exception(() => KubernetesYaml.Deserialize<V1LabelSelector>(spec.At("selector")?.ToJsonString() ?? "{}", strict: true));
                if (selector is not null)
                {
                    problems.Add($"{document.Id()}: spec.selector: {selector.Message}");
                }

                foreach (var endpoint in spec.Items(endpoints))
                {
                    Known(endpoint, $"spec.{endpoints}[]", document.Kind() == "ServiceMonitor" ? Endpoint : [.. Endpoint, "portNumber"]);
                    Required(endpoint.At("port"), $"spec.{endpoints}[].port");
                    foreach (var relabeling in endpoint.Items("relabelings"))
                    {
                        Known(relabeling, $"spec.{endpoints}[].relabelings[]", Relabeling);
                    }
                }

                break;
            case "PrometheusRule":
                Known(spec, "spec", ["groups"]);
                foreach (var group in spec.Items("groups"))
                {
                    Known(group, "spec.groups[]", ["name", "interval", "rules", "limit", "partial_response_strategy"]);
                    Required(group.At("name"), "spec.groups[].name");
                    foreach (var rule in group.Items("rules"))
                    {
                        Known(rule, "spec.groups[].rules[]", ["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"]);
                        Required(rule.At("expr"), "spec.groups[].rules[].expr");
                        Required(rule.At("alert") ?? rule.At("record"), "spec.groups[].rules[].alert");
                    }
                }

                break;
            default:
                problems.Add($"{document.Id()}: not a Prometheus Operator kind");
                break;
        }

        return problems;
    }
}
