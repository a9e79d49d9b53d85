namespace YarpEgress.Configuration.Loading;

/// <summary>
/// The top-level sections YarpEgress reads, in files and on the command line. Anything else is an error: a misspelt
/// <c>"Egres"</c> would otherwise leave the real section to the defaults without a word.
/// </summary>
internal static class TopLevelSections
{
    public const string Logging = "Logging";

    public static readonly string[] Known = [EgressOptions.SectionName, Logging];

    public static bool IsKnown(string name) => Array.Exists(Known, known => known.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The error for an unknown section, with a pointer for the ASP.NET Core keys that do nothing here.</summary>
    public static string Unknown(string name)
    {
        var hint = name.ToUpperInvariant() switch
        {
            "ALLOWEDHOSTS" => "; the admin listener's Host check is Egress:Admin:AllowedHosts",
            "KESTREL" or "URLS" => "; listeners are Egress:Listeners and Egress:Admin",
            _ => string.Empty,
        };
        return $"{name}: unknown top-level section (YarpEgress reads {string.Join(" and ", Known)}){hint}";
    }
}
