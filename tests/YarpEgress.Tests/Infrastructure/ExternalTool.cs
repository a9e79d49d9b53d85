using System.Diagnostics;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>Runs a command-line tool (curl, openssl) as a second opinion on what a real client sees.</summary>
internal static class ExternalTool
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string tool, params string[] args) => RunWithInputAsync(tool, string.Empty, args);

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(string tool, string input, params string[] args) =>
        RunAsync(tool, input, TimeSpan.FromSeconds(30), args);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string tool, string input, TimeSpan timeLimit, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(timeLimit);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
