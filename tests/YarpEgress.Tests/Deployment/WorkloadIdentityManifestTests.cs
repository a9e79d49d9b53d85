using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// <c>components/workload-identity</c>: read-only access to Pods for the gateway's own service account, its token
/// mounted, and <c>Egress:Kubernetes:Enabled</c> set over whatever config the ConfigMap holds.
/// </summary>
public sealed class WorkloadIdentityManifestTests
{
    private const string Component = "workload-identity";

    private static T Model<T>(Kustomize.Rendered rendered, string kind)
    {
        var index = rendered.Objects.Select((o, i) => (o, i)).Single(x => x.o.Kind() == kind).i;
        return KubernetesYaml.Deserialize<T>(rendered.Texts[index]);
    }

    private static void AssertReadsPodsOnly(IList<V1PolicyRule> rules)
    {
        var rule = Assert.Single(rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["get", "list", "watch"], rule.Verbs);
        Assert.Null(rule.ResourceNames);
    }

    [Fact]
    public async Task The_component_lets_the_gateways_service_account_get_list_and_watch_pods_and_nothing_else()
    {
        Assert.DoesNotContain((await Kustomize.FolderAsync("k8s")).Objects, o => o.Kind() is "ClusterRole" or "ClusterRoleBinding"); // opt-in
        var rendered = await Kustomize.BaseWithAsync(Component);
        var role = Model<V1ClusterRole>(rendered, "ClusterRole");
        AssertReadsPodsOnly(role.Rules);

        var binding = Model<V1ClusterRoleBinding>(rendered, "ClusterRoleBinding");
        Assert.Equal(("rbac.authorization.k8s.io", "ClusterRole", role.Metadata.Name), (binding.RoleRef.ApiGroup, binding.RoleRef.Kind, binding.RoleRef.Name));
        var deployment = Model<V1Deployment>(rendered, "Deployment");
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", deployment.Spec.Template.Spec.ServiceAccountName, deployment.Metadata.NamespaceProperty), (subject.Kind, subject.Name, subject.NamespaceProperty));
        Assert.Contains(rendered.Objects, o => o.Kind() == "ServiceAccount" && o.Name() == subject.Name);
        Assert.True(deployment.Spec.Template.Spec.AutomountServiceAccountToken, "the in-cluster config reads the mounted token");
    }

    [Fact]
    public async Task The_environment_turns_the_pod_index_on_over_the_mounted_config_which_still_validates()
    {
        var rendered = await Kustomize.BaseWithAsync(Component);
        var container = Assert.Single(Model<V1Deployment>(rendered, "Deployment").Spec.Template.Spec.Containers);
        var config = JsonNode.Parse(GatewayConfigs.DeployedText(rendered.Objects))!;
        Assert.False(GatewayConfigs.FromText(config.ToJsonString()).Options.Kubernetes.Enabled);
        foreach (var variable in container.Env.Where(e => e.Name.StartsWith("Egress__", StringComparison.Ordinal)))
        {
            var path = variable.Name.Split("__");
            var node = config;
            foreach (var key in path[..^1])
            {
                node = node[key] ??= new JsonObject();
            }

            node[path[^1]] = variable.Value;
        }

        Assert.True(GatewayConfigs.FromText(config.ToJsonString()).Options.Kubernetes.Enabled);
    }

    [Fact]
    public void The_role_per_namespace_variant_grants_the_same_and_binds_the_same_account()
    {
        var documents = ManifestFiles.In($"k8s/components/{Component}").ToList();
        var role = KubernetesYaml.Deserialize<V1Role>(documents.Single(d => d.Kind == "Role").Text);
        AssertReadsPodsOnly(role.Rules);
        var binding = KubernetesYaml.Deserialize<V1RoleBinding>(documents.Single(d => d.Kind == "RoleBinding").Text);
        var cluster = KubernetesYaml.Deserialize<V1ClusterRoleBinding>(documents.Single(d => d.Kind == "ClusterRoleBinding").Text);
        Assert.Equal(("Role", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        Assert.Equal(role.Metadata.NamespaceProperty, binding.Metadata.NamespaceProperty);
        Assert.Equal(cluster.Subjects.Select(s => (s.Kind, s.Name, s.NamespaceProperty)), binding.Subjects.Select(s => (s.Kind, s.Name, s.NamespaceProperty)));
    }
}
