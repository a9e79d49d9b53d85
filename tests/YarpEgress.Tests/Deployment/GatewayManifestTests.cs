using System.Globalization;
using k8s;
using k8s.Models;
using YarpEgress.Configuration;

namespace YarpEgress.Tests.Deployment;

/// <summary>The rendered gateway (base, and base with each set of components) agrees with the config it mounts.</summary>
public sealed class GatewayManifestTests
{
    public static TheoryData<string> Gateways() => [.. ManifestTests.RenderNames.Where(n => n.StartsWith("k8s", StringComparison.Ordinal) && !n.Contains('/'))];

    private static async Task<(Kustomize.Rendered Rendered, EgressOptions Options)> RenderAsync(string name)
    {
        var rendered = await ManifestTests.RenderAsync(name);
        return (rendered, GatewayConfigs.FromText(GatewayConfigs.DeployedText(rendered.Objects)).Options);
    }

    private static T Model<T>(Kustomize.Rendered rendered, string kind, string? name = null)
    {
        var index = rendered.Objects.Select((o, i) => (o, i)).Single(x => x.o.Kind() == kind && (name is null || x.o.Name() == name)).i;
        return KubernetesYaml.Deserialize<T>(rendered.Texts[index]);
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task The_deployment_exposes_every_listener_probes_the_admin_port_and_leaves_the_scale_to_the_HPA(string name)
    {
        var (rendered, options) = await RenderAsync(name);
        var deployment = Model<V1Deployment>(rendered, "Deployment", "yarp-egress");
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        Assert.Equal(options.Listeners.Select(l => l.Port).Append(options.Admin.Port).Order(), container.Ports.Select(p => p.ContainerPort).Order());
        var admin = container.Ports.Single(p => p.ContainerPort == options.Admin.Port).Name;
        Assert.Equal(("/readyz", admin), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
        Assert.True(container.ReadinessProbe.FailureThreshold >= 2, "one slow /readyz must not take a pod out of the Service");
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal(["--config", "/etc/yarp-egress/egress.json"], container.Args);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Null(deployment.Spec.Replicas);
        var drain = options.Timeouts.DrainDelay + options.Timeouts.Drain;
        Assert.True(pod.TerminationGracePeriodSeconds > drain.TotalSeconds, $"terminationGracePeriodSeconds must exceed DrainDelay + Drain ({drain.TotalSeconds} s)");
        Assert.Equal($"{options.Admin.Port}", deployment.Spec.Template.Metadata.Annotations["prometheus.io/port"]);

        // Every certificate the config names lies in a mounted Secret; the base mounts none, so no pod waits for one.
        var secrets = pod.Volumes.Where(v => v.Secret is not null).ToList();
        // (Paths as the ConfigMap has them: the loaded options point at the test's stand-in certificate.)
        var terminating = System.Text.Json.Nodes.JsonNode.Parse(GatewayConfigs.DeployedText(rendered.Objects)).Items("Egress", "Listeners")
            .Where(l => l.Text("Tls", "Mode") == nameof(SniTlsMode.Terminate)).ToList();
        Assert.Equal(options.Listeners.Count(l => l.Tls?.Mode == SniTlsMode.Terminate), terminating.Count);
        Assert.Equal(terminating.Count > 0, secrets.Count > 0);
        foreach (var path in terminating.SelectMany(l => new[] { l.Text("Tls", "CertificatePath")!, l.Text("Tls", "KeyPath")! }))
        {
            Assert.Contains(container.VolumeMounts, m => secrets.Any(s => s.Name == m.Name) && path.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        }

        var names = container.Ports.Select(p => p.Name).ToHashSet();
        foreach (var service in rendered.Objects.Select((o, i) => (o, i)).Where(x => x.o.Kind() == "Service"))
        {
            Assert.All(KubernetesYaml.Deserialize<V1Service>(rendered.Texts[service.i]).Spec.Ports, p => Assert.Contains(p.TargetPort.Value, names));
        }
    }

    [Theory]
    [MemberData(nameof(Gateways))]
    public async Task Services_and_the_network_policy_carry_exactly_the_listener_ports_and_keep_admin_apart(string name)
    {
        var (rendered, options) = await RenderAsync(name);
        var listenerPorts = options.Listeners.Select(l => l.Port).Order().ToList();
        Assert.Equal(listenerPorts, Model<V1Service>(rendered, "Service", "yarp-egress").Spec.Ports.Select(p => p.Port).Order());
        Assert.Equal([options.Admin.Port], Model<V1Service>(rendered, "Service", "yarp-egress-admin").Spec.Ports.Select(p => p.Port));

        var policy = Model<V1NetworkPolicy>(rendered, "NetworkPolicy");
        Assert.Equal(listenerPorts, policy.Spec.Ingress[0].Ports.Select(p => int.Parse(p.Port.Value, CultureInfo.InvariantCulture)).Order());
        // The admin port, and the Istio agent's merged metrics port for a pod with a sidecar, from monitoring only.
        Assert.Equal([$"{options.Admin.Port}", "15020"], policy.Spec.Ingress[1].Ports.Select(p => p.Port.Value));
        Assert.Equal("monitoring", policy.Spec.Ingress[1].FromProperty.Single().NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
    }

    [Fact]
    public async Task The_HPA_scales_down_one_pod_at_a_time_and_the_PDB_lets_one_pod_go()
    {
        var rendered = await Kustomize.FolderAsync("k8s");
        var hpa = Model<V2HorizontalPodAutoscaler>(rendered, "HorizontalPodAutoscaler");
        Assert.True(hpa.Spec.MinReplicas >= 2);
        var down = hpa.Spec.Behavior.ScaleDown;
        Assert.True(down.StabilizationWindowSeconds >= 60);
        var policy = Assert.Single(down.Policies);
        Assert.Equal(("Pods", 1), (policy.Type, policy.Value));
        var pdb = Model<V1PodDisruptionBudget>(rendered, "PodDisruptionBudget");
        Assert.Equal("1", pdb.Spec.MaxUnavailable.Value);
        Assert.Null(pdb.Spec.MinAvailable);
    }

    [Fact]
    public async Task The_image_is_the_kustomization_images_entry_so_kustomize_edit_set_image_changes_it()
    {
        var written = ManifestFiles.OfKind("Deployment").Single(d => d.Name == "yarp-egress" && d.Folder == "k8s");
        Assert.Equal("yarp-egress", written.Json.Items("spec", "template", "spec", "containers").Single().Text("image"));
        var image = ManifestFiles.OfKind("Kustomization").Single(d => d.Folder == "k8s").Json.Items("images").Single();
        Assert.Equal("yarp-egress", image.Text("name"));
        var deployment = Model<V1Deployment>(await Kustomize.FolderAsync("k8s"), "Deployment");
        Assert.Equal($"{image.Text("newName")}:{image.Text("newTag")}", deployment.Spec.Template.Spec.Containers.Single().Image);
        Assert.Contains("kustomize edit set image yarp-egress=", File.ReadAllText(Infrastructure.RepositoryFiles.PathOf("k8s", "README.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_certificate_fills_the_mounted_Secret_with_the_name_the_sidecars_verify()
    {
        var rendered = await Kustomize.BaseWithAsync("tcp-over-tls", "cert-manager");
        var certificate = rendered.Objects.OfKind("Certificate").Single();
        var secret = rendered.Objects.OfKind("Deployment").Single().Items("spec", "template", "spec", "volumes").Single(v => v.At("secret") is not null);
        Assert.Equal(secret.Text("secret", "secretName"), certificate.Text("spec", "secretName"));
        Assert.Equal(MeshRules.GatewayNamespace, certificate.Namespace());
        var verified = ManifestFiles.OfKind("DestinationRule").SelectMany(d => d.Json.Items("spec", "trafficPolicy", "portLevelSettings"))
            .SelectMany(s => s.Items("tls", "subjectAltNames")).Select(n => n.GetValue<string>()).ToList();
        Assert.NotEmpty(verified);
        Assert.All(verified, n => Assert.Contains(n, certificate.Items("spec", "dnsNames").Select(d => d.GetValue<string>())));
    }

    [Fact]
    public void The_authorization_policy_covers_the_listener_ports_it_serves_and_keeps_admin_to_monitoring()
    {
        var options = GatewayConfigs.Base.Options;
        var policy = ManifestFiles.OfKind("AuthorizationPolicy").Single().Json;
        var rules = policy.Items("spec", "rules").Select(r => r.Items("to").Single().Items("operation", "ports").Select(p => int.Parse(p.GetValue<string>(), CultureInfo.InvariantCulture)).ToList()).ToList();
        Assert.Equal(options.Listeners.Select(l => l.Port).Order(), rules[0].Order());
        Assert.Equal([options.Admin.Port], rules[1]);
    }
}
