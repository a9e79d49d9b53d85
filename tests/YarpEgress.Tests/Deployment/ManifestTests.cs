using k8s;
using k8s.Models;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// The shipped manifests render with kustomize, and every object in them (as written and as rendered) passes the
/// Kubernetes client's models or Istio's own CRD schemas, unknown fields included.
/// </summary>
public sealed class ManifestTests
{
    private static readonly Dictionary<string, Type> KubernetesKinds = new()
    {
        ["Namespace"] = typeof(V1Namespace),
        ["ServiceAccount"] = typeof(V1ServiceAccount),
        ["Deployment"] = typeof(V1Deployment),
        ["Service"] = typeof(V1Service),
        ["HorizontalPodAutoscaler"] = typeof(V2HorizontalPodAutoscaler),
        ["PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["NetworkPolicy"] = typeof(V1NetworkPolicy),
        ["ConfigMap"] = typeof(V1ConfigMap),
        ["ClusterRole"] = typeof(V1ClusterRole),
        ["ClusterRoleBinding"] = typeof(V1ClusterRoleBinding),
        ["Role"] = typeof(V1Role),
        ["RoleBinding"] = typeof(V1RoleBinding),
    };

    /// <summary>Kinds that live in no namespace.</summary>
    private static readonly HashSet<string> ClusterScoped = ["Namespace", "ClusterRole", "ClusterRoleBinding"];

    /// <summary>Kinds neither model covers, and what checks them instead.</summary>
    private static readonly Dictionary<string, string> OtherKinds = new()
    {
        ["Kustomization"] = "kubectl kustomize", ["Component"] = "kubectl kustomize",
        ["IstioOperator"] = "MeshRules.RegistryOnly", ["Certificate"] = "GatewayManifestTests",
        ["ServiceMonitor"] = "ObservabilityManifestTests", ["PodMonitor"] = "ObservabilityManifestTests",
        ["PrometheusRule"] = "ObservabilityManifestTests, PromtoolTests",
    };

    /// <summary>Every folder with a kustomization, and the base with each set of components.</summary>
    public static IReadOnlyList<string> RenderNames { get; } = [.. Kustomize.Folders, .. Kustomize.ComponentSets.Select(s => "k8s+" + string.Join('+', s))];

    public static TheoryData<string> Renders() => [.. RenderNames];

    internal static Task<Kustomize.Rendered> RenderAsync(string name) => name.StartsWith("k8s+", StringComparison.Ordinal)
        ? Kustomize.BaseWithAsync(name["k8s+".Length..].Split('+'))
        : Kustomize.FolderAsync(name);

    [Fact]
    public void Every_document_names_its_api_kind_and_name_and_every_kind_has_a_checker()
    {
        Assert.True(ManifestFiles.All.Count >= 40, $"only {ManifestFiles.All.Count} documents found");
        Assert.All(ManifestFiles.All, d =>
        {
            Assert.False(string.IsNullOrEmpty(d.Json.Text("apiVersion")), $"{d.File}: no apiVersion");
            Assert.True(d.Kind is "Kustomization" or "Component" || d.Name.Length > 0, $"{d.File}: {d.Kind} has no metadata.name");
            Assert.True(KubernetesKinds.ContainsKey(d.Kind) || OtherKinds.ContainsKey(d.Kind) || IstioSchemas.IsIstio(d.Json.Text("apiVersion")!),
                $"{d.File}: nothing here checks kind {d.Kind}");
        });
        Assert.Contains("k8s", Kustomize.Folders);
        Assert.True(Kustomize.Folders.Count >= 6, string.Join(", ", Kustomize.Folders));
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public async Task Kustomize_renders_and_puts_namespaces_before_what_lives_in_them(string name)
    {
        var rendered = await RenderAsync(name);
        Assert.NotEmpty(rendered.Objects);
        var created = rendered.Objects.Select((o, i) => (o, i)).Where(x => x.o.Kind() == "Namespace").ToDictionary(x => x.o.Name(), x => x.i);
        for (var i = 0; i < rendered.Objects.Count; i++)
        {
            if (created.TryGetValue(rendered.Objects[i].Namespace(), out var at))
            {
                Assert.True(at < i, $"{name}: {rendered.Objects[i].Id()} comes before its Namespace");
            }
        }

        if (name.StartsWith("k8s", StringComparison.Ordinal) && !name.Contains("/istio/", StringComparison.Ordinal))
        {
            Assert.Equal(0, created[MeshRules.GatewayNamespace]);
            Assert.All(rendered.Objects.Where(o => !ClusterScoped.Contains(o.Kind())), o => Assert.Equal(MeshRules.GatewayNamespace, o.Namespace()));
            Assert.All(rendered.Objects.Where(o => ClusterScoped.Contains(o.Kind())), o => Assert.Equal(string.Empty, o.Namespace()));
        }
    }

    [Theory]
    [MemberData(nameof(Renders))]
    public async Task Rendered_Kubernetes_objects_deserialize_strictly_into_the_client_models(string name)
    {
        var rendered = await RenderAsync(name);
        for (var i = 0; i < rendered.Objects.Count; i++)
        {
            AssertStrict(rendered.Objects[i].Kind(), rendered.Texts[i], $"{name}: {rendered.Objects[i].Id()}");
        }
    }

    [Fact]
    public void Every_Kubernetes_object_as_written_deserializes_strictly_patches_and_examples_included()
    {
        var checkedKinds = new HashSet<string>();
        foreach (var document in ManifestFiles.All.Where(d => KubernetesKinds.ContainsKey(d.Kind)))
        {
            AssertStrict(document.Kind, document.Text, $"{document.File} ({document.Kind} {document.Name})");
            checkedKinds.Add(document.Kind);
        }

        Assert.Equal(KubernetesKinds.Keys.Where(k => k != "ConfigMap").Order(), checkedKinds.Order());
    }

    [Fact]
    public void The_strict_model_check_refuses_an_unknown_field()
    {
        var exception = Record.Exception(() => AssertStrict("Deployment", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n", "typo"));
        Assert.NotNull(exception);
    }

    public static TheoryData<string> IstioVersions() => [.. IstioSchemas.Versions];

    [Theory]
    [MemberData(nameof(IstioVersions))]
    public async Task Every_Istio_object_is_valid_against_the_published_CRD_schema(string version)
    {
        var schemas = IstioSchemas.For(version);
        var objects = ManifestFiles.All.Where(d => IstioSchemas.IsIstio(d.Json.Text("apiVersion")!)).Select(d => (d.File, d.Json)).ToList();
        foreach (var name in RenderNames)
        {
            objects.AddRange((await RenderAsync(name)).Objects.Where(o => IstioSchemas.IsIstio(o.Text("apiVersion")!)).Select(o => (name, o)));
        }

        Assert.True(objects.Count >= 15, $"only {objects.Count} Istio objects");
        var kinds = objects.Select(o => $"{o.Json.Text("apiVersion")}/{o.Json.Kind()}").ToHashSet();
        Assert.Equal(schemas.Kinds.Order(), kinds.Order());
        Assert.All(objects, o => Assert.True(schemas.Validate(o.Json) is var errors && errors.Count == 0,
            $"{o.File}: {o.Json.Id()} is not a valid Istio {version} object:\n  {string.Join("\n  ", schemas.Validate(o.Json))}"));
    }

    [Theory]
    [InlineData("VirtualService", "hosts: [a.example]\n  tls:\n    - match:\n        - port: 443\n          sniHost: [a.example]\n      route:\n        - destination: {host: b}", "sniHost")]
    [InlineData("AuthorizationPolicy", "rules:\n    - to:\n        - operation:\n            ports: [3128]", "ports")]
    [InlineData("DestinationRule", "host: b\n  trafficPolicy:\n    tls:\n      mode: SIMPLEX", "mode")]
    [InlineData("ServiceEntry", "hosts: [a.example]\n  ports:\n    - number: 443\n      name: tls\n      protocol: TLS\n  resolution: STATIC_DNS", "resolution")]
    public void The_schema_check_refuses_typos_wrong_types_and_unknown_values(string kind, string spec, string field)
    {
        var group = kind == "AuthorizationPolicy" ? "security.istio.io" : "networking.istio.io";
        var document = YamlJson.Documents($"apiVersion: {group}/v1\nkind: {kind}\nmetadata:\n  name: bad\nspec:\n  {spec}\n").Single();
        foreach (var version in IstioSchemas.Versions)
        {
            var errors = IstioSchemas.For(version).Validate(document);
            Assert.Contains(errors, e => e.Contains(field, StringComparison.Ordinal));
        }
    }

    private static void AssertStrict(string kind, string text, string what)
    {
        if (!KubernetesKinds.TryGetValue(kind, out var type))
        {
            Assert.True(OtherKinds.ContainsKey(kind) || text.Contains(".istio.io/", StringComparison.Ordinal), $"{what}: nothing checks kind {kind}");
            return;
        }

        var model = typeof(KubernetesYaml).GetMethods().Single(m => m.Name == nameof(KubernetesYaml.Deserialize) && m.IsGenericMethod
                && m.GetParameters() is [{ ParameterType: var p }, _] && p == typeof(string))
            .MakeGenericMethod(type);
        var exception = Record.Exception(() => model.Invoke(null, [text, true]));
        Assert.True(exception is null, $"{what}: {exception?.InnerException?.Message ?? exception?.Message}");
    }
}
