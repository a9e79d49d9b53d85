namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// The one temporary directory of a test run (<c>/tmp/yarpegress-tests-PID</c>): every file a test writes (configs,
/// TLS keys, publish output) goes under it. It is removed when the run's last test has finished
/// (<see cref="TestRunFramework"/>) or, failing that, at process exit; a directory left by a run that was killed is
/// removed by the next run.
/// </summary>
internal static class TestTemp
{
    private const string Prefix = "yarpegress-tests-";

    private static readonly Lazy<string> Root = new(Create);

    public static string Directory => Root.Value;

    /// <summary>A path for a new file in the run's directory (the caller writes it).</summary>
    public static string NewFile(string prefix, string extension) => Path.Combine(Directory, $"{prefix}{Guid.NewGuid():N}{extension}");

    /// <summary>A new, empty subdirectory of the run's directory.</summary>
    public static string NewDirectory(string prefix) => System.IO.Directory.CreateDirectory(Path.Combine(Directory, $"{prefix}{Guid.NewGuid():N}")).FullName;

    /// <summary>Removes the run's directory, if one was made.</summary>
    public static void RemoveRun()
    {
        if (Root.IsValueCreated)
        {
            TryDelete(Root.Value);
        }
    }

    private static string Create()
    {
        RemoveStale();
        var path = Path.Combine(Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(path);
        return path;
    }

    /// <summary>Directories of runs whose process no longer exists (killed before it could clean up).</summary>
    private static void RemoveStale()
    {
        foreach (var stale in System.IO.Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(stale)[Prefix.Length..], out var pid) && !System.IO.Directory.Exists($"/proc/{pid}"))
            {
                TryDelete(stale);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            System.IO.Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Held by a child still exiting: the next run removes it as stale.
        }
    }
}
