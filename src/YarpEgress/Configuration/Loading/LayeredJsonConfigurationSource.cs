namespace YarpEgress.Configuration.Loading;

/// <summary>
/// The default config file and an optional override file, merged so that a list in the override replaces the
/// default's list as a whole (plain configuration layering would merge lists index by index). Both files are
/// polled, which also sees a Kubernetes ConfigMap's symlink swap that file-system events miss.
/// </summary>
internal sealed class LayeredJsonConfigurationSource(string defaultPath, string? overridePath, TimeSpan pollInterval, string overrideOrigin = "--config") : IConfigurationSource
{
    public string DefaultPath { get; } = defaultPath;

    public string? OverridePath { get; } = overridePath;

    public TimeSpan PollInterval { get; } = pollInterval;

    /// <summary>The files in the order they are merged, each with where it was named.</summary>
    public IReadOnlyList<ConfigFile> Files { get; } = overridePath is null
        ? [new(defaultPath, ConfigFile.BaseOrigin)]
        : [new(defaultPath, ConfigFile.BaseOrigin), new(overridePath, overrideOrigin)];

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new LayeredJsonConfigurationProvider(this);
}
