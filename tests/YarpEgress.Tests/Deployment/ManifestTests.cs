using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;
using YarpEgress.Configuration;
using YarpEgress.Policy;
using static YarpEgress.Tests.Deployment.ManifestFiles;

namespace YarpEgress.Tests.Deployment;

/// <summary>The shipped manifests parse, match the Kubernetes model, and agree with the gateway's own config.</summary>
public sealed class ManifestTests
{
    private const string GatewayHost = "yarp-egress.yarp-egress.svc.cluster.local";

    private static readonly Dictionary<string, Type> KubernetesKinds = new()
    {
        ["Namespace"] = typeof(V1Namespace),
        ["ServiceAccount"] = typeof(V1ServiceAccount),
        ["Deployment"] = typeof(V1Deployment),
        ["Service"] = typeof(V1Service),
        ["HorizontalPodAutoscaler"] = typeof(V2HorizontalPodAutoscaler),
        ["PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["NetworkPolicy"] = typeof(V1NetworkPolicy),
    };

    private static EgressOptions Options => GatewayConfig.Options;

    private static HashSet<int> ListenerPorts => [.. Options.Listeners.Select(l => l.Port)];

    [Fact]
    public void Every_document_names_its_api_kind_and_name()
    {
        Assert.True(All.Count >= 20, $"only {All.Count} documents found");
        Assert.All(All, d =>
        {
            Assert.False(string.IsNullOrEmpty(Scalar(d.Root, "apiVersion")), $"{d.File}: no apiVersion");
            Assert.False(string.IsNullOrEmpty(d.Kind), $"{d.File}: no kind");
            Assert.True(d.Kind == "Kustomization" || d.Name.Length > 0, $"{d.File}: {d.Kind} has no metadata.name");
        });
    }

    [Fact]
    public void Kubernetes_kinds_deserialize_strictly_into_the_client_models()
    {
        var checkedKinds = new HashSet<string>();
        foreach (var document in All.Where(d => KubernetesKinds.ContainsKey(d.Kind)))
        {
            var model = typeof(KubernetesYaml).GetMethods().Single(m => m.Name == nameof(KubernetesYaml.Deserialize) && m.IsGenericMethod
                    && m.GetParameters() is [{ ParameterType: var p }, _] && p == typeof(string))
                .MakeGenericMethod(KubernetesKinds[document.Kind]);
            var exception = Record.Exception(() => model.Invoke(null, [document.Text, true]));
            Assert.True(exception is null, $"{document.File} ({document.Kind} {document.Name}): {exception?.InnerException?.Message ?? exception?.Message}");
            checkedKinds.Add(document.Kind);
        }

        Assert.Equal(KubernetesKinds.Keys.Order(), checkedKinds.Order());
    }

    [Fact]
    public void The_deployment_exposes_every_listener_and_probes_the_admin_port()
    {
        var deployment = KubernetesYaml.Deserialize<V1Deployment>(OfKind("Deployment").Single(d => d.Name == "yarp-egress").Text);
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal(ListenerPorts.Append(Options.Admin.Port).Order(), container.Ports.Select(p => p.ContainerPort).Order());
        var admin = container.Ports.Single(p => p.ContainerPort == Options.Admin.Port).Name;
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(admin, container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Equal(["--config", "/etc/yarp-egress/egress.json"], container.Args);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.True(deployment.Spec.Template.Spec.SecurityContext.RunAsNonRoot);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.True(deployment.Spec.Replicas >= 2);
        var drain = Options.Timeouts.DrainDelay + Options.Timeouts.Drain;
        Assert.True(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds > drain.TotalSeconds,
            $"terminationGracePeriodSeconds must exceed DrainDelay + Drain ({drain.TotalSeconds} s)");
        Assert.Equal($"{Options.Admin.Port}", deployment.Spec.Template.Metadata.Annotations["prometheus.io/port"]);

        // Every port a Service targets by name is one of the container's.
        var names = container.Ports.Select(p => p.Name).ToHashSet();
        foreach (var service in OfKind("Service").Select(d => KubernetesYaml.Deserialize<V1Service>(d.Text)))
        {
            Assert.All(service.Spec.Ports, p => Assert.Contains(p.TargetPort.Value, names));
        }
    }

    [Fact]
    public void Services_and_the_network_policy_carry_exactly_the_listener_ports_and_keep_admin_apart()
    {
        var services = OfKind("Service").Select(d => KubernetesYaml.Deserialize<V1Service>(d.Text)).ToDictionary(s => s.Metadata.Name);
        Assert.Equal(ListenerPorts.Order(), services["yarp-egress"].Spec.Ports.Select(p => p.Port).Order());
        Assert.Equal([Options.Admin.Port], services["yarp-egress-admin"].Spec.Ports.Select(p => p.Port));

        var policy = KubernetesYaml.Deserialize<V1NetworkPolicy>(OfKind("NetworkPolicy").Single().Text);
        Assert.Equal(ListenerPorts.Order(), policy.Spec.Ingress[0].Ports.Select(p => int.Parse(p.Port.Value, System.Globalization.CultureInfo.InvariantCulture)).Order());
        Assert.Equal([$"{Options.Admin.Port}"], policy.Spec.Ingress[1].Ports.Select(p => p.Port.Value));

        var authorization = OfKind("AuthorizationPolicy").Single();
        var rulePorts = Sequence(authorization.Root, "spec", "rules").Select(r => Sequence(Sequence(r, "to").Single(), "operation", "ports").Select(p => int.Parse(((YamlScalarNode)p).Value!, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.Equal(ListenerPorts.Order(), rulePorts[0].Order());
        Assert.Equal([Options.Admin.Port], rulePorts[1]);
    }

    [Fact]
    public void Every_route_to_the_gateway_hits_a_listener_that_allows_its_hosts()
    {
        var routes = 0;
        foreach (var service in OfKind("VirtualService"))
        {
            foreach (var tls in Sequence(service.Root, "spec", "tls"))
            {
                var port = DestinationPort(tls);
                var listener = Listener(port, service.File);
                Assert.Equal(ListenerProtocol.Sni, listener.Protocol);
                var upstreamPort = listener.UpstreamPort ?? listener.Port;
                foreach (var sni in Sequence(tls, "match").SelectMany(m => Sequence(m, "sniHosts")).Select(h => ((YamlScalarNode)h).Value!))
                {
                    AssertAllowed(sni, upstreamPort, service.File);
                    routes++;
                }
            }

            foreach (var tcp in Sequence(service.Root, "spec", "tcp"))
            {
                // TCP to the terminating listener: the DestinationRule's sni (host:port) is what the gateway routes by.
                var port = DestinationPort(tcp);
                var listener = Listener(port, service.File);
                Assert.Equal(SniTlsMode.Terminate, listener.Tls?.Mode);
                var sni = OfKind("DestinationRule")
                    .SelectMany(d => Sequence(d.Root, "spec", "trafficPolicy", "portLevelSettings"))
                    .Where(s => Scalar(s, "port", "number") == $"{port}")
                    .Select(s => Scalar(s, "tls", "sni")!)
                    .Single();
                Assert.True(Destination.TryParse(sni, listener.UpstreamPort ?? listener.Port, out var destination, out var error), error);
                AssertAllowed(destination.Host, destination.Port, service.File);
                routes++;
            }
        }

        Assert.True(routes >= 3);
    }

    [Fact]
    public void Proxy_environment_variables_point_at_the_proxy_listener()
    {
        var proxy = Options.Listeners.Single(l => l.Protocol == ListenerProtocol.Http);
        var values = OfKind("Deployment")
            .SelectMany(d => Sequence(d.Root, "spec", "template", "spec", "containers"))
            .SelectMany(c => Sequence(c, "env"))
            .Where(e => Scalar(e, "name") is "HTTP_PROXY" or "HTTPS_PROXY")
            .Select(e => Scalar(e, "value"))
            .ToList();
        Assert.NotEmpty(values);
        Assert.All(values, v => Assert.Equal($"http://{GatewayHost}:{proxy.Port}", v));
    }

    private static int DestinationPort(YamlNode route)
    {
        var destination = Sequence(route, "route").Single();
        Assert.Equal(GatewayHost, Scalar(destination, "destination", "host"));
        return int.Parse(Scalar(destination, "destination", "port", "number")!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static ListenerOptions Listener(int port, string file) =>
        Options.Listeners.SingleOrDefault(l => l.Port == port) ?? throw new Xunit.Sdk.XunitException($"{file}: no gateway listener on port {port}");

    /// <summary>An Istio host such as <c>*.wikipedia.org</c> matches names of any depth: check one and two labels deep.</summary>
    private static void AssertAllowed(string istioHost, int port, string file)
    {
        var names = istioHost.StartsWith("*.", StringComparison.Ordinal) ? new[] { "a" + istioHost[1..], "a.b" + istioHost[1..] } : [istioHost];
        foreach (var name in names)
        {
            Assert.True(Destination.TryParse(name, port, out var destination, out var error), error);
            var decision = GatewayConfig.Policy.Decide(destination);
            Assert.True(decision.IsAllowed, $"{file}: {name}:{port} is routed to the gateway but {decision.Reason}");
        }
    }
}
