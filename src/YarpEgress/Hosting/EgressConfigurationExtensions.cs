using YarpEgress.Configuration.Loading;

namespace YarpEgress.Hosting;

/// <summary>Where the config comes from: the default file, an override file, then environment and command line.</summary>
public static class EgressConfigurationExtensions
{
    public const string ConfigPathVariable = "EGRESS_CONFIG";

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Replaces the builder's sources with: <c>appsettings/appsettings.json</c> beside the program (which allows
    /// nothing), the file named by <c>--config PATH</c> (or <c>EGRESS_CONFIG</c>) whose lists replace the default's,
    /// environment variables (<c>Egress__Admin__Port=9902</c>), and the command line's overrides. Errors of the command
    /// line and of the files are reported by validation, beside every other config error.
    /// </summary>
    public static IConfigurationBuilder AddEgressConfiguration(this IConfigurationBuilder builder, string[] args)
    {
        var commandLine = EgressCommandLine.Parse(args, Environment.GetEnvironmentVariable(ConfigPathVariable));
        var defaultPath = Path.Combine(AppContext.BaseDirectory, "appsettings", "appsettings.json");
        var overridePath = commandLine.ConfigPath is { } path ? Path.GetFullPath(path) : null;
        builder.Sources.Clear();
        builder.Add(new LayeredJsonConfigurationSource(defaultPath, overridePath, PollInterval, commandLine.ConfigOrigin));
        builder.AddEnvironmentVariables();
        var settings = new Dictionary<string, string?>(commandLine.Settings, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < commandLine.Errors.Count; i++)
        {
            settings[$"{EgressConfigLoader.SourceErrorsSection}:args:{i}"] = commandLine.Errors[i];
        }

        builder.AddInMemoryCollection(settings);
        return builder;
    }
}
