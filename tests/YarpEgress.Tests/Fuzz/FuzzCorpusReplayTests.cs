using YarpEgress.Fuzz;
using YarpEgress.Fuzz.Infrastructure;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Fuzz;

/// <summary>
/// CI's share of the fuzzing: every input of the committed, minimised corpus (fuzz/corpus/TARGET) goes through the same
/// target, with the same invariant checks, that afl-fuzz ran; no AFL needed.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Keys];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_corpus_input_holds_its_targets_invariants(string target)
    {
        var folder = RepositoryFiles.PathOf("fuzz", "corpus", target);
        Assert.True(Directory.Exists(folder), $"{folder} is missing: run fuzz/run.sh {target} EXECS minimize");
        var files = Directory.GetFiles(folder);
        Assert.True(files.Length > 0, $"{folder} is empty: run fuzz/run.sh {target} EXECS minimize");

        var broken = new List<string>();
        foreach (var file in files)
        {
            try
            {
                FuzzTargets.All[target](File.ReadAllBytes(file));
            }
            catch (InvariantException ex)
            {
                broken.Add($"{Path.GetFileName(file)}: {ex.Message}");
            }
        }

        Assert.Empty(broken);
    }

    [Fact]
    public void Every_corpus_folder_has_a_target()
    {
        var folders = Directory.GetDirectories(RepositoryFiles.PathOf("fuzz", "corpus")).Select(Path.GetFileName).Order();
        Assert.Equal(FuzzTargets.All.Keys.Order(), folders);
    }
}
