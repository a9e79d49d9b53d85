using System.Diagnostics;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>Runs a command-line tool (curl, openssl) as a second opinion on what a real client sees.</summary>
internal static class ExternalTool
{
    /// <summary>
    /// Proxy variables a child would otherwise inherit from the test run: a tool reaches the gateway only through the
    /// arguments the test gives it (curl's <c>-x</c>), never through the environment.
    /// </summary>
    private static readonly string[] ProxyVariables = ["http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"];

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string tool, params string[] args) => RunWithInputAsync(tool, string.Empty, args);

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(string tool, string input, params string[] args) =>
        RunAsync(tool, input, TimeSpan.FromSeconds(30), args);

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string tool, string input, TimeSpan timeLimit, params string[] args) =>
        RunAsync(StartInfo(tool, args), input, timeLimit);

    /// <summary>Runs a start made by <see cref="StartInfo"/> (the caller may add to its environment) to its end or the time limit.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start, string input, TimeSpan timeLimit)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        try
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(timeLimit);
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            Kill(process);
        }
    }

    /// <summary>A start with redirected standard streams and no inherited proxy variables.</summary>
    public static ProcessStartInfo StartInfo(string tool, params IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var variable in ProxyVariables)
        {
            start.Environment.Remove(variable);
        }

        return start;
    }

    /// <summary>Ends the process and everything it started, if it is still running (a timed-out child never lingers).</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // it was never started or has already been reaped
        }
    }
}
