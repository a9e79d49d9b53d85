using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// <c>kubectl kustomize</c>, as <c>kubectl apply -k</c> would render: a folder of the repository, or the base with a
/// set of components (written as a throw-away overlay outside k8s/, since an overlay inside its base is a cycle).
/// kubectl must be installed: without it these tests fail and say so, they never pass by skipping.
/// </summary>
internal static partial class Kustomize
{
    /// <summary>The folders with a kustomization.yaml that renders alone (no Component): the base and every recipe that has Istio objects.</summary>
    public static IReadOnlyList<string> Folders { get; } = [.. Directory
        .GetFiles(RepositoryFiles.PathOf("k8s"), "kustomization.yaml", SearchOption.AllDirectories)
        .Where(f => !ComponentKind().IsMatch(File.ReadAllText(f)))
        .Select(f => Path.GetRelativePath(RepositoryFiles.Root, Path.GetDirectoryName(f)!))
        .Order()];

    /// <summary>
    /// The components (k8s/components/*, and k8s/observability), each rendered with the base (cert-manager needs
    /// tcp-over-tls), the monitors with the sidecar they have a case for, and all together.
    /// </summary>
    public static IReadOnlyList<string[]> ComponentSets { get; } =
    [
        ["istio-sidecar"],
        ["tcp-over-tls"],
        ["tcp-over-tls", "cert-manager"],
        ["observability"],
        ["istio-sidecar", "observability"],
        ["workload-identity"],
        ["istio-sidecar", "tcp-over-tls", "cert-manager", "observability", "workload-identity"],
    ];

    private static readonly ConcurrentDictionary<string, Lazy<Task<Rendered>>> Cache = new();

    public sealed record Rendered(string Name, IReadOnlyList<string> Texts, IReadOnlyList<JsonObject> Objects);

    public static Task<Rendered> FolderAsync(string folder) =>
        Cache.GetOrAdd(folder, f => new(() => RenderAsync(f, RepositoryFiles.PathOf(f)))).Value;

    public static Task<Rendered> BaseWithAsync(params string[] components) =>
        Cache.GetOrAdd("k8s+" + string.Join('+', components), name => new(() => RenderOverlayAsync(name, components))).Value;

    private static Task<Rendered> RenderOverlayAsync(string name, string[] components) => OverlayAsync(name, root =>
        $"resources:\n  - {root}/k8s\ncomponents:\n{string.Concat(components.Select(c => $"  - {root}/k8s/{ComponentFolder(c)}\n"))}");

    /// <summary>An overlay of one's own: <paramref name="kustomization"/> gets the repository root relative to the overlay.</summary>
    public static async Task<Rendered> OverlayAsync(string name, Func<string, string> kustomization)
    {
        var overlay = Directory.CreateTempSubdirectory("yarpegress-kustomize-").FullName;
        try
        {
            var root = Path.GetRelativePath(overlay, RepositoryFiles.Root);
            await File.WriteAllTextAsync(Path.Combine(overlay, "kustomization.yaml"), kustomization(root));
            return await RenderAsync(name, overlay);
        }
        finally
        {
            Directory.Delete(overlay, recursive: true);
        }
    }

    /// <summary>A component's folder under k8s/: <c>components/NAME</c>, or <c>NAME</c> for one of its own (observability).</summary>
    private static string ComponentFolder(string component) =>
        Directory.Exists(RepositoryFiles.PathOf("k8s", "components", component)) ? $"components/{component}" : component;

    private static async Task<Rendered> RenderAsync(string name, string directory)
    {
        (int ExitCode, string Stdout, string Stderr) result;
        try
        {
            result = await ExternalTool.RunAsync("kubectl", string.Empty, TimeSpan.FromSeconds(60), "kustomize", directory);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("kubectl is not installed: the manifest tests need `kubectl kustomize` (kubectl 1.27+ bundles kustomize 5)", e);
        }

        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize {name} failed: {result.Stderr}");
        }

        var texts = DocumentSeparator().Split(result.Stdout).Where(t => t.Trim().Length > 0).ToArray();
        return new Rendered(name, texts, [.. texts.Select(t => YamlJson.Documents(t).Single())]);
    }

    [GeneratedRegex(@"^---\s*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();

    [GeneratedRegex(@"^kind:\s*Component\s*$", RegexOptions.Multiline)]
    private static partial Regex ComponentKind();
}
