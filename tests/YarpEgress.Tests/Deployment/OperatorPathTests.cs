using System.Text.RegularExpressions;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>The README's operator paths work as written: its docker run matches the image and the config, its overlay renders.</summary>
public sealed partial class OperatorPathTests
{
    private static readonly string Readme = File.ReadAllText(RepositoryFiles.PathOf("README.md"));

    private static string Block(string marker)
    {
        var match = Regex.Match(Readme, @"```(?:bash|yaml)\n(?<body>(?:(?!```).)*?" + Regex.Escape(marker) + @"(?:(?!```).)*)```", RegexOptions.Singleline);
        Assert.True(match.Success, $"README: no code block with '{marker}'");
        return match.Groups["body"].Value;
    }

    [Fact]
    public void The_docker_run_publishes_every_port_of_the_config_and_mounts_the_folder_the_entry_point_reads()
    {
        var run = Block("docker run");
        var dockerfile = File.ReadAllText(RepositoryFiles.PathOf("Dockerfile"));
        var config = Regex.Match(dockerfile, @"""--config"", ""(?<path>[^""]+)""").Groups["path"].Value;
        Assert.Contains($":{Path.GetDirectoryName(config)}:ro", run, StringComparison.Ordinal);
        Assert.Contains($"cp k8s/egress.json egress/", run, StringComparison.Ordinal);
        Assert.Equal(Path.GetFileName(config), Path.GetFileName(GatewayConfigs.BasePath));

        var published = Published().Matches(run).Select(m => (Host: m.Groups["host"].Value, Port: int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var options = GatewayConfigs.Base.Options;
        Assert.Equal(options.Listeners.Select(l => l.Port).Append(options.Admin.Port).Order(), published.Select(p => p.Port).Order());
        Assert.Equal("127.0.0.1:", published.Single(p => p.Port == options.Admin.Port).Host); // the admin port has no authentication
        var exposed = Regex.Match(dockerfile, @"^EXPOSE (?<ports>.+)$", RegexOptions.Multiline).Groups["ports"].Value.Split(' ').Select(int.Parse).ToHashSet();
        Assert.Subset(exposed, published.Select(p => p.Port).ToHashSet());
    }

    [Fact]
    public async Task The_overlay_example_renders_and_labels_only_the_monitoring_objects_for_Prometheus()
    {
        var overlay = Block("your overlay's kustomization.yaml");
        var rendered = await Kustomize.OverlayAsync("README overlay", root => overlay.Replace("../yarp-egress/", root + "/", StringComparison.Ordinal));
        var labelled = rendered.Objects.Where(o => o.Text("metadata", "labels", "release") == "kube-prometheus-stack").Select(o => o.Kind()).Order();
        Assert.Equal(["PodMonitor", "PrometheusRule", "ServiceMonitor"], labelled);
        Assert.Equal("enabled", rendered.Objects.OfKind("Namespace").Single().Text("metadata", "labels", "istio-injection"));
    }

    [GeneratedRegex(@"-p (?<host>(?:[0-9.]+:)?)[0-9]+:(?<port>[0-9]+)")]
    private static partial Regex Published();
}
