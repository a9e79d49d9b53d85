using Microsoft.Extensions.Configuration;
using YarpEgress.Configuration;

namespace YarpEgress.Hosting;

/// <summary>Where the config comes from: the default file, an override file, then environment and command line.</summary>
public static class EgressConfigurationExtensions
{
    public const string ConfigPathVariable = "EGRESS_CONFIG";

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Replaces the builder's sources with: <c>appsettings/appsettings.json</c> beside the program, the file named by
    /// <c>--config PATH</c> (or <c>EGRESS_CONFIG</c>) whose lists replace the default's, environment variables
    /// (<c>Egress__Admin__Port=9902</c>), and the command line.
    /// </summary>
    public static IConfigurationBuilder AddEgressConfiguration(this IConfigurationBuilder builder, string[] args)
    {
        var defaultPath = Path.Combine(AppContext.BaseDirectory, "appsettings", "appsettings.json");
        var overridePath = FindOverridePath(args);
        builder.Sources.Clear();
        builder.Add(new LayeredJsonConfigurationSource(defaultPath, overridePath is null ? null : Path.GetFullPath(overridePath), PollInterval));
        builder.AddEnvironmentVariables();
        builder.AddCommandLine(args);
        return builder;
    }

    private static string? FindOverridePath(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--config" && i + 1 < args.Length)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                return args[i]["--config=".Length..];
            }
        }

        return Environment.GetEnvironmentVariable(ConfigPathVariable) is { Length: > 0 } path ? path : null;
    }
}
