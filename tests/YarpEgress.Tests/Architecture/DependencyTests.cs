using System.Text.RegularExpressions;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Architecture;

/// <summary>
/// The whiteboard, executable: each top-level folder under <c>src/YarpEgress</c> imports only the folders below it in
/// the flow (README, "How a connection flows"). A folder's imports are the <c>using YarpEgress.X</c> lines of its files
/// and any fully qualified <c>YarpEgress.X.</c> in their code; the build rejects unused usings (IDE0005), so a stale
/// line cannot pass for a dependency.
/// </summary>
public sealed partial class DependencyTests
{
    /// <summary>Folder → the folders it may import. Anything not listed is forbidden.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        // The floor every folder may stand on: log event ids, log-safe text, the config error sink. It imports nothing.
        ["Diagnostics"] = [],

        // Leaves: shared value types, TLS grammar and alerts, sockets.
        ["Addressing"] = ["Diagnostics"],
        ["Tls"] = ["Diagnostics"],
        ["Transport"] = ["Diagnostics"],

        // Pure decisions and the compiled config that holds them.
        ["Policy"] = ["Addressing", "Diagnostics"],
        ["Routing"] = ["Addressing", "Diagnostics", "Policy"],
        ["Configuration"] = ["Addressing", "Diagnostics", "Policy", "Routing", "Tls"],

        // What a decided connection uses.
        ["Tunneling"] = ["Diagnostics", "Transport"],
        ["Telemetry"] = ["Addressing", "Configuration", "Diagnostics", "Policy", "Routing", "Tls", "Tunneling"],
        ["Authentication"] = ["Addressing", "Configuration", "Diagnostics", "Policy", "Telemetry"],
        ["Upstream"] = ["Addressing", "Configuration", "Diagnostics", "Policy", "Routing", "Telemetry", "Tls", "Transport"],

        // Who a client pod is: the pod index and the watch of the Kubernetes API that feeds it.
        ["Kubernetes"] = ["Addressing", "Configuration", "Diagnostics", "Policy", "Telemetry"],

        // One authorize step, then the listener stages that call it.
        ["Proxying"] = ["Addressing", "Authentication", "Configuration", "Diagnostics", "Kubernetes", "Policy", "Routing", "Telemetry", "Tls", "Transport", "Tunneling", "Upstream"],
        ["Listeners"] = ["Addressing", "Authentication", "Configuration", "Diagnostics", "Kubernetes", "Policy", "Proxying", "Routing", "Telemetry", "Tls", "Transport", "Tunneling", "Upstream"],

        // The admin listener's endpoints, the command-line verbs, and the composition root.
        ["Admin"] = ["Addressing", "Configuration", "Diagnostics", "Kubernetes", "Listeners", "Policy", "Routing", "Telemetry", "Tls"],
        ["Cli"] = ["Addressing", "Configuration", "Diagnostics", "Policy", "Telemetry"],
        ["Hosting"] = ["Addressing", "Admin", "Authentication", "Cli", "Configuration", "Diagnostics", "Kubernetes", "Listeners", "Policy", "Proxying", "Routing", "Telemetry", "Tls", "Transport", "Tunneling", "Upstream"],
    };

    /// <summary>Imports that break the direction today, each to be removed by the architecture work (#15).</summary>
    private static readonly HashSet<string> KnownViolations =
    [
    ];

    private static string Source => RepositoryFiles.PathOf("src", "YarpEgress");

    [Fact]
    public void Every_folder_imports_only_the_folders_below_it()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (folder, imports) in Imports())
        {
            Assert.True(Allowed.ContainsKey(folder), $"src/YarpEgress/{folder}/ is not on the whiteboard: add it to {nameof(Allowed)} and the README flow");
            foreach (var (import, file) in imports)
            {
                if (!Allowed[folder].Contains(import))
                {
                    found.Add($"{folder} -> {import} ({file})");
                }
            }
        }

        var unexpected = found.Where(v => !KnownViolations.Contains(v[..v.IndexOf(" (", StringComparison.Ordinal)])).ToList();
        Assert.True(unexpected.Count == 0, "imports against the flow:\n" + string.Join('\n', unexpected));
    }

    [Fact]
    public void The_known_violations_still_exist_so_the_list_only_shrinks()
    {
        var present = Imports()
            .SelectMany(f => f.Value.Select(i => $"{f.Key} -> {i.Import}"))
            .ToHashSet(StringComparer.Ordinal);
        var fixedOnes = KnownViolations.Where(v => !present.Contains(v)).ToList();
        Assert.True(fixedOnes.Count == 0, "no longer violated, remove from the list: " + string.Join(", ", fixedOnes));
    }

    [Fact]
    public void The_allowed_graph_has_no_cycle()
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var folder in Allowed.Keys)
        {
            Visit(folder, []);
        }

        void Visit(string folder, List<string> path)
        {
            if (state.GetValueOrDefault(folder) == 2)
            {
                return;
            }

            Assert.False(state.GetValueOrDefault(folder) == 1, "cycle: " + string.Join(" -> ", path.Append(folder)));
            state[folder] = 1;
            foreach (var next in Allowed[folder])
            {
                Visit(next, [.. path, folder]);
            }

            state[folder] = 2;
        }
    }

    [Fact]
    public void The_reader_sees_usings_and_qualified_names()
    {
        var text = "using System;\nusing YarpEgress.Policy.Clients;\nnamespace YarpEgress.Upstream;\nclass A { YarpEgress.Tls.TlsAlert b; }\n";
        Assert.Equal(["Policy", "Tls"], ReadImports(text, "Upstream").Order(StringComparer.Ordinal));
    }

    private static Dictionary<string, List<(string Import, string File)>> Imports()
    {
        var result = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        foreach (var directory in Directory.GetDirectories(Source))
        {
            var folder = Path.GetFileName(directory);
            if (folder is "bin" or "obj" or "Properties")
            {
                continue;
            }

            var imports = result[folder] = [];
            foreach (var file in Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories))
            {
                foreach (var import in ReadImports(File.ReadAllText(file), folder))
                {
                    imports.Add((import, Path.GetRelativePath(Source, file)));
                }
            }
        }

        return result;
    }

    /// <summary>The folders a file's text names; names that are no folder (a logger category) are not imports.</summary>
    private static IEnumerable<string> ReadImports(string text, string folder) =>
        Reference().Matches(text)
            .Select(m => m.Groups["folder"].Value)
            .Where(f => f != folder && Allowed.ContainsKey(f))
            .Distinct(StringComparer.Ordinal);

    /// <summary><c>using YarpEgress.X…;</c> or a qualified <c>YarpEgress.X.</c>, but not the file's own namespace line.</summary>
    [GeneratedRegex(@"^(?!namespace )(?:.*?\b)YarpEgress\.(?<folder>[A-Z]\w*)\b", RegexOptions.Multiline)]
    private static partial Regex Reference();
}
