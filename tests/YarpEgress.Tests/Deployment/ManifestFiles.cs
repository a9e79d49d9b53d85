using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;
using YarpEgress.Configuration;
using YarpEgress.Tests.Configuration;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>Every YAML document under k8s/, parsed, with its file, and the config the ConfigMap is generated from.</summary>
internal static partial class ManifestFiles
{
    public sealed record Document(string File, string Text, YamlMappingNode Root)
    {
        public string Kind => Scalar(Root, "kind") ?? string.Empty;

        public string Name => Scalar(Node(Root, "metadata"), "name") ?? string.Empty;
    }

    public static IReadOnlyList<Document> All { get; } = Load();

    public static EgressSnapshot GatewayConfig { get; } = LoadConfig();

    public static IEnumerable<Document> OfKind(string kind) => All.Where(d => d.Kind == kind);

    public static YamlNode? Node(YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node))
            {
                return null;
            }
        }

        return node;
    }

    public static string? Scalar(YamlNode? node, params string[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Sequence(YamlNode? node, params string[] path) =>
        Node(node, path) is YamlSequenceNode sequence ? sequence.Children : [];

    private static List<Document> Load()
    {
        var documents = new List<Document>();
        foreach (var file in Directory.GetFiles(RepositoryFiles.PathOf("k8s"), "*.yaml", SearchOption.AllDirectories).Order())
        {
            var text = File.ReadAllText(file);
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            var texts = DocumentSeparator().Split(text).Where(t => t.Trim().Length > 0 && !t.Trim().StartsWith('#') || t.Contains("kind:", StringComparison.Ordinal)).ToArray();
            for (var i = 0; i < stream.Documents.Count; i++)
            {
                documents.Add(new Document(file, texts.Length == stream.Documents.Count ? texts[i] : text, (YamlMappingNode)stream.Documents[i].RootNode));
            }
        }

        return documents;
    }

    private static EgressSnapshot LoadConfig()
    {
        var path = RepositoryFiles.WithMountedSecrets(RepositoryFiles.PathOf("k8s", "egress.json"));
        var errors = new List<string>();
        var snapshot = EgressConfigLoader.Load(ConfigFiles.Load(path), errors);
        return snapshot ?? throw new InvalidOperationException(string.Join("; ", errors));
    }

    [GeneratedRegex(@"^---\s*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();
}
