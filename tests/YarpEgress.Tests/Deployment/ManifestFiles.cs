using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// Every YAML document under k8s/ as written (patches and examples included), with its file and folder; promtool's
/// unit-test files (<c>*.test.yaml</c>, no Kubernetes objects) are PromtoolTests' own.
/// </summary>
internal static partial class ManifestFiles
{
    public sealed record Document(string File, string Text, JsonObject Json)
    {
        /// <summary>The folder under the repository root, e.g. <c>k8s/istio/wildcard-tls</c>.</summary>
        public string Folder => Path.GetRelativePath(RepositoryFiles.Root, Path.GetDirectoryName(File)!);

        public string Kind => Json.Kind();

        public string Name => Json.Name();
    }

    public static IReadOnlyList<Document> All { get; } = Load();

    /// <summary>The recipe folders (k8s/istio/*) with the gateway config fragment each carries, if any.</summary>
    public static IReadOnlyList<string> Recipes { get; } = [.. Directory.GetDirectories(RepositoryFiles.PathOf("k8s", "istio"))
        .Select(d => Path.GetRelativePath(RepositoryFiles.Root, d)).Order()];

    public static IEnumerable<Document> OfKind(string kind) => All.Where(d => d.Kind == kind);

    public static IEnumerable<Document> In(string folder) => All.Where(d => d.Folder == folder);

    public static string? Fragment(string recipe) =>
        RepositoryFiles.PathOf(recipe, "egress.json") is var path && System.IO.File.Exists(path) ? path : null;

    private static List<Document> Load()
    {
        var documents = new List<Document>();
        foreach (var file in Directory.GetFiles(RepositoryFiles.PathOf("k8s"), "*.yaml", SearchOption.AllDirectories).Where(f => !f.EndsWith(".test.yaml", StringComparison.Ordinal)).Order())
        {
            var text = System.IO.File.ReadAllText(file);
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            var texts = DocumentSeparator().Split(text).Where(t => t.Contains("kind:", StringComparison.Ordinal)).ToArray();
            Assert.True(texts.Length == stream.Documents.Count, $"{file}: {stream.Documents.Count} documents, {texts.Length} with a kind");
            for (var i = 0; i < stream.Documents.Count; i++)
            {
                documents.Add(new Document(file, texts[i], (JsonObject)YamlJson.Convert(stream.Documents[i].RootNode)!));
            }
        }

        return documents;
    }

    [GeneratedRegex(@"^---\s*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();
}
