using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Architecture;

/// <summary>
/// A connection's decision and everything that carries it out come from one snapshot, taken once: only the
/// composition root, the admin views and the gate may hold the live config store. Everything else receives the
/// snapshot (or the part of it it needs) from its caller.
/// </summary>
public sealed class LiveConfigReadTests
{
    private static readonly string[] Allowed =
    [
        "Configuration/EgressConfigStore.cs",
        "Proxying/EgressGate.cs",
    ];

    private static readonly string[] AllowedFolders = ["Hosting/", "Admin/"];

    /// <summary>Files that read the live config today, each to be handed its snapshot instead (#15).</summary>
    private static readonly HashSet<string> KnownViolations =
    [
        "Telemetry/EgressTelemetry.cs",
    ];

    [Fact]
    public void Only_the_composition_root_the_admin_views_and_the_gate_hold_the_live_config()
    {
        var readers = Readers();
        var unexpected = readers.Where(f => !KnownViolations.Contains(f)).ToList();
        Assert.True(unexpected.Count == 0, "read the live config instead of the snapshot they were given:\n" + string.Join('\n', unexpected));
        var fixedOnes = KnownViolations.Where(f => !readers.Contains(f)).ToList();
        Assert.True(fixedOnes.Count == 0, "no longer read the live config, remove from the list: " + string.Join(", ", fixedOnes));
    }

    private static HashSet<string> Readers()
    {
        var source = RepositoryFiles.PathOf("src", "YarpEgress");
        return Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(source, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("obj/", StringComparison.Ordinal) && !f.StartsWith("bin/", StringComparison.Ordinal))
            .Where(f => !Allowed.Contains(f) && !AllowedFolders.Any(a => f.StartsWith(a, StringComparison.Ordinal)))
            .Where(f => File.ReadAllText(Path.Combine(source, f)).Contains("EgressConfigStore", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
    }
}
