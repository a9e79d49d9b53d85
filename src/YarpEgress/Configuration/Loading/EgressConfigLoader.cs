using YarpEgress.Configuration.Compilation;
using YarpEgress.Diagnostics;

namespace YarpEgress.Configuration.Loading;

/// <summary>
/// Loads the <c>Egress</c> section: the errors of the config sources themselves (command line, files), every key bound
/// with its own error, then the semantic checks, all reported in one pass with their key paths.
/// </summary>
internal static class EgressConfigLoader
{
    /// <summary>
    /// Where config sources put their own errors (a file that cannot be read, an unknown top-level section, an unknown
    /// command-line option), as <c>YarpEgressSourceErrors:{source}:{n}</c>, so that start-up and reloads report them like
    /// any other config error, beside the others, rather than an exception escaping the host.
    /// </summary>
    public const string SourceErrorsSection = "YarpEgressSourceErrors";

    /// <summary>Errors of a file that could not be read or parsed: the config is then incomplete, and nothing else is checked.</summary>
    public const string UnreadableSection = $"{SourceErrorsSection}:unreadable";

    /// <remarks>Each error is one line: control characters in it (from a key or a value) are escaped.</remarks>
    public static EgressSnapshot? Load(IConfiguration configuration, List<string> errors)
    {
        var found = new List<string>();
        var snapshot = LoadUnescaped(configuration, found);
        foreach (var error in found)
        {
            errors.Add(LogText.Escape(error));
        }

        return found.Count == 0 ? snapshot : null;
    }

    /// <summary>Adds to <paramref name="errors"/>, which starts empty, and returns a snapshot only when nothing was added.</summary>
    private static EgressSnapshot? LoadUnescaped(IConfiguration configuration, List<string> errors)
    {
        foreach (var source in configuration.GetSection(SourceErrorsSection).GetChildren())
        {
            foreach (var error in source.GetChildren())
            {
                errors.Add(error.Value ?? string.Empty);
            }
        }

        var section = configuration.GetSection(EgressOptions.SectionName);
        if (configuration.GetSection(UnreadableSection).Exists())
        {
            return null;
        }

        if (!section.Exists())
        {
            if (errors.Count == 0)
            {
                errors.Add($"{EgressOptions.SectionName}: the section is missing");
            }

            return null;
        }

        var binder = new OptionsBinder(errors);
        var options = binder.Bind<EgressOptions>(section);
        KeepAnEmptyStripList(options, section);

        // A value that did not convert left a default behind: checks about that key (or its object) would only mislead.
        var checks = new List<string>();
        var snapshot = EgressConfigCompiler.Compile(options, checks);
        foreach (var error in checks)
        {
            if (!binder.IsAboutFailedKey(error))
            {
                errors.Add(error);
            }
        }

        return errors.Count > 0 ? null : snapshot;
    }

    /// <summary>
    /// <c>"StripRequestHeaders": []</c> binds as nothing (an empty list keeps an option's default, here the sidecar
    /// headers); written out, it means: strip nothing.
    /// </summary>
    private static void KeepAnEmptyStripList(EgressOptions options, IConfigurationSection section)
    {
        var http = section.GetSection(nameof(EgressOptions.Http));
        if (options.Http.StripRequestHeaders is null
            && http.GetChildren().Any(c => c.Key.Equals(nameof(HttpOptions.StripRequestHeaders), StringComparison.OrdinalIgnoreCase) && c.Value is null))
        {
            options.Http.StripRequestHeaders = [];
        }
    }
}
