using System.Text.Json;
using System.Text.Json.Nodes;

namespace YarpEgress.Tests.Deployment;

/// <summary>Null-tolerant navigation of Kubernetes objects held as JSON.</summary>
internal static class JsonPaths
{
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is JsonObject map && map.TryGetPropertyValue(key, out var child) ? child : null;
        }

        return node;
    }

    /// <summary>The string (or number, as text) at the path; null when absent.</summary>
    public static string? Text(this JsonNode? node, params string[] path) => node.At(path) is JsonValue value
        ? value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString()
        : null;

    public static IEnumerable<JsonNode> Items(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonArray list ? list.Where(i => i is not null).Select(i => i!) : [];

    public static string Kind(this JsonObject document) => document.Text("kind") ?? string.Empty;

    public static string Name(this JsonObject document) => document.Text("metadata", "name") ?? string.Empty;

    public static string Namespace(this JsonObject document) => document.Text("metadata", "namespace") ?? string.Empty;

    public static string Id(this JsonObject document) => $"{document.Kind()} {document.Namespace()}/{document.Name()}";

    public static IEnumerable<JsonObject> OfKind(this IEnumerable<JsonObject> documents, string kind) => documents.Where(d => d.Kind() == kind);
}
