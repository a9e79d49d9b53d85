using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using YarpEgress.Diagnostics;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Diagnostics;

/// <summary>
/// The event id registry holds: every id is taken once, and every <c>[LoggerMessage]</c> in <c>src</c> names its id
/// and its event name from <see cref="LogEvents"/> (read from the source, as the generated code hides the attribute).
/// </summary>
public sealed partial class LogEventsTests
{
    private static Dictionary<string, int> Registered() =>
        typeof(LogEvents).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!, StringComparer.Ordinal);

    [Fact]
    public void Every_id_is_registered_once()
    {
        var registered = Registered();
        Assert.True(registered.Count >= 20, $"only {registered.Count} ids found");
        var shared = registered.GroupBy(e => e.Value).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Key))}").ToList();
        Assert.True(shared.Count == 0, "ids taken twice:\n" + string.Join('\n', shared));
    }

    [Fact]
    public void Every_logger_message_in_src_takes_its_id_and_name_from_the_registry_and_each_id_logs_once()
    {
        var registered = Registered();
        var uses = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var wrong = new List<string>();
        var source = RepositoryFiles.PathOf("src", "YarpEgress");
        foreach (var file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file).Replace('\\', '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            var attributes = Attribute().Matches(text);
            foreach (Match attribute in attributes)
            {
                var use = Registry().Match(attribute.Value);
                var line = text.AsSpan(0, attribute.Index).Count('\n') + 1;
                if (!use.Success || use.Groups["id"].Value != use.Groups["name"].Value || !registered.ContainsKey(use.Groups["id"].Value))
                {
                    wrong.Add($"{relative}:{line}: {attribute.Value.Trim()}");
                }
                else
                {
                    uses.TryAdd(use.Groups["id"].Value, []);
                    uses[use.Groups["id"].Value].Add($"{relative}:{line}");
                }
            }
        }

        Assert.True(wrong.Count == 0, "use EventId = LogEvents.X, EventName = nameof(LogEvents.X):\n" + string.Join('\n', wrong));
        Assert.True(uses.Count >= 20, $"only {uses.Count} logger messages found under {source}");
        var twice = uses.Where(u => u.Value.Count > 1).Select(u => $"{u.Key}: {string.Join(", ", u.Value)}").ToList();
        Assert.True(twice.Count == 0, "one id, one event:\n" + string.Join('\n', twice));
        var unused = registered.Keys.Where(name => !uses.ContainsKey(name)).ToList();
        Assert.True(unused.Count == 0, "registered but never logged: " + string.Join(", ", unused));
    }

    [Fact]
    public void The_readme_lists_every_id()
    {
        var readme = File.ReadAllText(RepositoryFiles.PathOf("README.md"));
        var start = readme.IndexOf("Other `[LoggerMessage]` events", StringComparison.Ordinal);
        Assert.True(start >= 0, "the README's list of log events is gone");
        var list = readme[start..readme.IndexOf("\n\n", start, StringComparison.Ordinal)];
        var listed = new HashSet<int> { LogEvents.Access }; // the access log has a section of its own
        foreach (Match number in Listed().Matches(list))
        {
            var low = int.Parse(number.Groups["low"].Value, CultureInfo.InvariantCulture);
            var high = number.Groups["high"].Success ? int.Parse(number.Groups["high"].Value, CultureInfo.InvariantCulture) : low;
            for (var id = low; id <= high; id++)
            {
                listed.Add(id);
            }
        }

        Assert.Contains("(id 600,", readme, StringComparison.Ordinal);
        var missing = Registered().Where(e => !listed.Contains(e.Value)).Select(e => $"{e.Value} {e.Key}").ToList();
        Assert.True(missing.Count == 0, "not in the README's list of log events: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_scan_sees_attributes_that_bypass_the_registry()
    {
        const string text = """
            [LoggerMessage(EventId = LogEvents.Access, EventName = nameof(LogEvents.Access), Level = LogLevel.Information, Message = "x")]
            [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "y")]
            [LoggerMessage(Level = LogLevel.Debug, Message = "z")]
            [LoggerMessage]
            /// a comment that names [LoggerMessage(EventId = 9)]
            """;
        var matches = Attribute().Matches(text).Select(m => Registry().IsMatch(m.Value)).ToList();
        Assert.Equal([true, false, false, false], matches);
    }

    /// <summary>An id (<c>13</c>), a range (<c>100-104</c>) or a pair (<c>201/205</c>, read as two ids) in the README's list.</summary>
    [GeneratedRegex(@"\b(?<low>\d{2,4})(?:-(?<high>\d{2,4}))?\b")]
    private static partial Regex Listed();

    /// <summary>A <c>[LoggerMessage]</c> attribute that opens a line, up to the end of the line (not one named in a comment).</summary>
    [GeneratedRegex(@"^[ \t]*\[LoggerMessage\b[^\n]*", RegexOptions.Multiline)]
    private static partial Regex Attribute();

    [GeneratedRegex(@"^[ \t]*\[LoggerMessage\(EventId = LogEvents\.(?<id>\w+), EventName = nameof\(LogEvents\.(?<name>\w+)\)")]
    private static partial Regex Registry();
}
