using System.Text.Json.Nodes;
using Json.Schema;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// Istio's published CRD schemas (vendored in schemas/, see PROVENANCE.md), one set per Istio version, as JSON
/// Schema. Objects that list their fields are closed to unknown ones, as the API server's strict field validation
/// (kubectl's default) refuses them instead of pruning them silently.
/// </summary>
internal sealed class IstioSchemas
{
    public static readonly string[] Versions = ["1.22", "1.29"];

    private static readonly Dictionary<string, IstioSchemas> Loaded = Versions.ToDictionary(v => v, v => new IstioSchemas(v));

    private readonly Dictionary<string, JsonSchema> _schemas = [];

    private IstioSchemas(string version)
    {
        var path = RepositoryFiles.PathOf("tests", "YarpEgress.Tests", "Deployment", "schemas", $"istio-{version}-v1.schema.json");
        var all = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        foreach (var (key, schema) in all)
        {
            var closed = schema!.DeepClone();
            Close(closed);
            _schemas[key] = JsonSchema.FromText(closed.ToJsonString());
        }
    }

    public static IstioSchemas For(string version) => Loaded[version];

    public IEnumerable<string> Kinds => _schemas.Keys;

    /// <summary>Whether <paramref name="apiVersion"/> is an Istio API group these schemas know.</summary>
    public static bool IsIstio(string apiVersion) => apiVersion.Contains(".istio.io/", StringComparison.Ordinal) && !apiVersion.StartsWith("install.", StringComparison.Ordinal);

    /// <summary>Every schema error of the object's spec, with the JSON pointer of the field; empty when valid.</summary>
    public IReadOnlyList<string> Validate(JsonObject document)
    {
        var key = $"{document["apiVersion"]}/{document["kind"]}";
        if (!_schemas.TryGetValue(key, out var schema))
        {
            return [$"no schema for {key} (vendor it into schemas/)"];
        }

        var instance = new JsonObject { ["spec"] = document["spec"]?.DeepClone() };
        var result = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }

        return [.. (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .Distinct()];
    }

    private static void Close(JsonNode node)
    {
        switch (node)
        {
            case JsonObject map:
                if (map.ContainsKey("properties") && !map.ContainsKey("additionalProperties") && !map.ContainsKey("x-kubernetes-preserve-unknown-fields"))
                {
                    map["additionalProperties"] = false;
                }

                foreach (var (_, child) in map.ToList())
                {
                    if (child is not null)
                    {
                        Close(child);
                    }
                }

                break;
            case JsonArray list:
                foreach (var child in list)
                {
                    if (child is not null)
                    {
                        Close(child);
                    }
                }

                break;
        }
    }
}
