using Microsoft.Extensions.Configuration;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Loading;
using YarpEgress.Fuzz.Infrastructure;

namespace YarpEgress.Fuzz.Configuration;

/// <summary>
/// The config loader on arbitrary bytes as the <c>--config</c> file over the shipped base file, through the same
/// merge and load the gateway runs (<see cref="LayeredJsonConfigurationProvider.Read"/>, then
/// <see cref="EgressConfigLoader.Load"/>). Invariants: nothing throws; the answer is a snapshot and no errors, or no
/// snapshot and errors; every error is one line that starts with its key path (<c>Egress...</c>), a source's name
/// (<c>--config</c>) or the file's path.
/// </summary>
internal static class ConfigTarget
{
    public const string Name = "config";

    private const string FuzzPath = "fuzz-config.json";

    private static readonly ConfigFile Base = new(Path.Combine(AppContext.BaseDirectory, "appsettings", "appsettings.json"), ConfigFile.BaseOrigin);
    private static readonly ConfigFile Override = new(FuzzPath, "--config");
    private static readonly Lazy<byte[]> BaseBytes = new(() => File.ReadAllBytes(Base.Path));

    public static void Run(ReadOnlySpan<byte> data)
    {
        var json = data.ToArray();
        var (snapshot, errors) = Invariant.NoThrow(() => Load(json), "loading the config");
        Invariant.That((snapshot is null) == (errors.Count > 0), $"the config loaded to a snapshot: {snapshot is not null}, with {errors.Count} errors: {string.Join(" | ", errors)}");
        foreach (var error in errors)
        {
            Invariant.That(!string.IsNullOrWhiteSpace(error) && !error.Contains('\n', StringComparison.Ordinal), $"config error '{error}' is empty or not one line");
            Invariant.That(
                error.StartsWith("Egress", StringComparison.Ordinal) || error.StartsWith(FuzzPath + ":", StringComparison.Ordinal) || error.StartsWith("--config", StringComparison.Ordinal),
                $"config error '{error}' does not start with its key path or source");
        }
    }

    private static (EgressSnapshot? Snapshot, List<string> Errors) Load(byte[] json)
    {
        var (data, _) = LayeredJsonConfigurationProvider.Read([Base, Override], file => file == Override ? json : BaseBytes.Value);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(data).Build();
        var errors = new List<string>();
        var snapshot = EgressConfigLoader.Load(configuration, errors);
        return (snapshot, errors);
    }
}
