using YarpEgress.Configuration.Loading;

namespace YarpEgress.Hosting;

/// <summary>
/// The gateway's command line, read strictly: <c>--config PATH</c> (or <c>--config=PATH</c>), and config overrides
/// <c>--Egress:Key=value</c> / <c>--Logging:Key value</c>. Anything else is an error, so that a misspelt
/// <c>--confg file</c> stops the start instead of leaving the gateway on the built-in config.
/// </summary>
internal sealed class EgressCommandLine
{
    public const string ConfigOption = "--config";

    private const string Usage = $"YarpEgress takes {ConfigOption} PATH and overrides such as --Egress:Admin:Port=9902 (sections: Egress, Logging)";

    private EgressCommandLine()
    {
    }

    /// <summary>The override file, as given (relative to the working directory), or null.</summary>
    public string? ConfigPath { get; private set; }

    /// <summary>Where <see cref="ConfigPath"/> came from: <c>--config</c> or the <c>EGRESS_CONFIG</c> variable.</summary>
    public string ConfigOrigin { get; private set; } = ConfigOption;

    /// <summary>The config overrides, by key path (<c>Egress:Admin:Port</c>).</summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<string> Errors { get; } = [];

    /// <param name="args">The program's arguments.</param>
    /// <param name="environmentPath">The <c>EGRESS_CONFIG</c> variable, used when <c>--config</c> is not given.</param>
    public static EgressCommandLine Parse(string[] args, string? environmentPath)
    {
        var line = new EgressCommandLine();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                line.Errors.Add($"command line: unexpected argument '{arg}'; {Usage}");
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            string? value = equals < 0 ? null : arg[(equals + 1)..];
            if (value is null && i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }

            if (name.Equals(ConfigOption, StringComparison.Ordinal))
            {
                line.SetConfigPath(value);
                continue;
            }

            var key = name[2..];
            var section = key.Split(':')[0];
            if (!key.Contains(':', StringComparison.Ordinal) || !TopLevelSections.IsKnown(section))
            {
                line.Errors.Add($"command line: unknown option '{name}'; {Usage}");
            }
            else if (value is null)
            {
                line.Errors.Add($"command line: {name} needs a value ({name}=VALUE)");
            }
            else
            {
                line.Settings[key] = value;
            }
        }

        if (line.ConfigPath is null && !string.IsNullOrEmpty(environmentPath))
        {
            line.ConfigPath = environmentPath;
            line.ConfigOrigin = EgressConfigurationExtensions.ConfigPathVariable;
        }

        return line;
    }

    private void SetConfigPath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            Errors.Add($"command line: {ConfigOption} needs a file path ({ConfigOption} /etc/yarp-egress/egress.json)");
        }
        else if (ConfigPath is not null)
        {
            Errors.Add($"command line: {ConfigOption} is given twice ('{ConfigPath}', '{path}'); give one file");
        }
        else
        {
            ConfigPath = path;
        }
    }
}
