using System.Diagnostics;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>The gateway as a real process: <c>dotnet YarpEgress.dll ARGS</c> from src/YarpEgress's build output.</summary>
internal static class GatewayProcess
{
    /// <summary>The built program, of the same configuration and framework as the tests (bin/Debug/net10.0).</summary>
    public static string Dll { get; } = FindDll();

    /// <summary>Runs the program to its end (a start-up that fails) and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        ExternalTool.RunAsync("dotnet", string.Empty, TimeSpan.FromSeconds(60), [Dll, .. args]);

    /// <summary>Starts the program; the caller ends it with <see cref="ExternalTool.Kill"/>.</summary>
    public static Process Start(params string[] args) =>
        Process.Start(ExternalTool.StartInfo("dotnet", [Dll, .. args])) ?? throw new InvalidOperationException("dotnet did not start");

    private static string FindDll()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!;
        var dll = RepositoryFiles.PathOf("src", "YarpEgress", "bin", configuration.Name, framework.Name, "YarpEgress.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is not built");
    }
}
