namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// Headless Chromium (Debian's <c>chromium</c>, which <c>.ci/run</c> installs) as a real browser for the admin page:
/// no proxy (<c>--no-proxy-server</c>, and no proxy variables), a fresh profile and temporary directory under the test
/// run's directory, no sandbox when running as root (Chromium refuses to start otherwise). Each call is one browser
/// process, ended with everything it started.
/// </summary>
internal static class Chromium
{
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(90);

    private static int _runs;

    /// <summary>
    /// The DOM after the page has run for <paramref name="virtualTime"/> of virtual time (timers fire at once, while
    /// network fetches hold the clock), serialized as HTML.
    /// </summary>
    public static async Task<string> DumpDomAsync(string url, TimeSpan virtualTime)
    {
        var (exitCode, stdout, stderr) = await RunAsync(url, virtualTime, "--dump-dom");
        Assert.True(exitCode == 0, $"chromium exited {exitCode}: {stderr}");
        return stdout;
    }

    /// <summary>A PNG of the page after <paramref name="virtualTime"/>, written to <paramref name="path"/>.</summary>
    public static async Task ScreenshotAsync(string url, TimeSpan virtualTime, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        var (exitCode, _, stderr) = await RunAsync(url, virtualTime, $"--screenshot={path}", "--window-size=1400,1000", "--hide-scrollbars");
        Assert.True(exitCode == 0 && File.Exists(path), $"chromium exited {exitCode} without a screenshot: {stderr}");
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string url, TimeSpan virtualTime, params string[] mode)
    {
        // Short: Chromium's singleton socket lives under TMPDIR, and a Unix socket path has at most 107 bytes.
        var home = Directory.CreateDirectory(Path.Combine(TestTemp.Directory, $"chr{Interlocked.Increment(ref _runs)}")).FullName;
        List<string> args =
        [
            "--headless", "--disable-gpu", "--no-proxy-server", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            $"--user-data-dir={Path.Combine(home, "profile")}", $"--virtual-time-budget={(int)virtualTime.TotalMilliseconds}",
        ];
        if (Environment.IsPrivilegedProcess)
        {
            args.Add("--no-sandbox");
        }

        var start = ExternalTool.StartInfo("chromium", [.. args, .. mode, url]);
        start.Environment["TMPDIR"] = home; // its own temporary files stay under the run's directory too
        start.Environment["HOME"] = home;
        return ExternalTool.RunAsync(start, string.Empty, TimeLimit);
    }
}
