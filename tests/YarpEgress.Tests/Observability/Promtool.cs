using System.Text.Json.Nodes;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Observability;

/// <summary>
/// Prometheus's own <c>promtool</c> (Debian's <c>prometheus</c> package; <c>.ci/run</c> installs it) on the
/// PrometheusRule's rule groups, written out as promtool reads them. Without promtool these tests fail and say so.
/// </summary>
internal static class Promtool
{
    /// <summary>The name alerts.test.yaml gives the rule file in <c>rule_files</c>.</summary>
    public const string RulesFile = "prometheusrule.spec.yaml";

    /// <summary>A new directory with the rules (<paramref name="spec"/>, JSON being YAML) and a copy of alerts.test.yaml.</summary>
    public static string Prepare(JsonNode spec)
    {
        var directory = TestTemp.NewDirectory("promtool-");
        File.WriteAllText(Path.Combine(directory, RulesFile), spec.ToJsonString());
        File.Copy(ObservabilityFiles.AlertTestsPath, Path.Combine(directory, Path.GetFileName(ObservabilityFiles.AlertTestsPath)));
        return directory;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        try
        {
            var (exitCode, stdout, stderr) = await ExternalTool.RunAsync("promtool", string.Empty, TimeSpan.FromSeconds(60), args);
            return (exitCode, stdout + stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("promtool is not installed: the alert tests need it (Debian: apt-get install prometheus; .ci/run does)", e);
        }
    }
}
