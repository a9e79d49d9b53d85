using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Loading;
using YarpEgress.Tests.Configuration;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// Gateway configs as the gateway itself loads and validates them: k8s/egress.json, a component's, a recipe's
/// fragment, or the one inside a rendered ConfigMap (the Kubernetes Secret's certificate stood in by a test one).
/// </summary>
internal static class GatewayConfigs
{
    private static readonly ConcurrentDictionary<string, EgressSnapshot> Cache = new();

    public static string BasePath { get; } = RepositoryFiles.PathOf("k8s", "egress.json");

    public static EgressSnapshot Base => FromFile(BasePath);

    public static EgressSnapshot FromFile(string path) => FromText(File.ReadAllText(path));

    /// <summary>The config in the rendered ConfigMap the Deployment mounts: what the pods would run with.</summary>
    public static string DeployedText(IReadOnlyList<JsonObject> rendered)
    {
        var deployment = rendered.OfKind("Deployment").Single(d => d.Name() == "yarp-egress");
        var configMap = deployment.Items("spec", "template", "spec", "volumes").Single(v => v.Text("name") == "config").Text("configMap", "name");
        return rendered.OfKind("ConfigMap").Single(c => c.Name() == configMap).Text("data", "egress.json")!;
    }

    public static EgressSnapshot FromText(string json) => Cache.GetOrAdd(json, Load);

    private static EgressSnapshot Load(string json)
    {
        var source = Path.Combine(Path.GetTempPath(), $"yarpegress-manifest-{Guid.NewGuid():N}.json");
        File.WriteAllText(source, json);
        var copy = RepositoryFiles.WithMountedSecrets(source);
        try
        {
            var errors = new List<string>();
            var configuration = ConfigFiles.Load(copy);
            using var _ = configuration as IDisposable;
            return EgressConfigLoader.Load(configuration, errors) ?? throw new InvalidOperationException(string.Join("; ", errors));
        }
        finally
        {
            File.Delete(source);
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }
}
