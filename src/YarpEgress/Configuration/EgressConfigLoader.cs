using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace YarpEgress.Configuration;

/// <summary>
/// Binds the <c>Egress</c> section piece by piece, so that a wrong type or an unknown key in one place is reported
/// with its key path beside every other problem, instead of the binder stopping at the first.
/// </summary>
internal static class EgressConfigLoader
{
    private static readonly string[] KnownKeys =
        [nameof(EgressOptions.Listeners), nameof(EgressOptions.Admin), nameof(EgressOptions.Allow), nameof(EgressOptions.Deny), nameof(EgressOptions.Routes), nameof(EgressOptions.Clients),
         nameof(EgressOptions.Hosts), nameof(EgressOptions.Timeouts), nameof(EgressOptions.Limits), nameof(EgressOptions.Policy), nameof(EgressOptions.Telemetry),
         nameof(EgressOptions.Mode), nameof(EgressOptions.PrivateNetworks), nameof(EgressOptions.Dns), nameof(EgressOptions.CircuitBreaker)];

    public static EgressSnapshot? Load(IConfiguration configuration, List<string> errors)
    {
        if (configuration[LayeredJsonConfigurationProvider.ErrorKey] is { } fileError)
        {
            errors.Add(fileError);
            return null;
        }

        var section = configuration.GetSection(EgressOptions.SectionName);
        if (!section.Exists())
        {
            errors.Add($"{EgressOptions.SectionName}: the section is missing");
            return null;
        }

        var before = errors.Count;
        foreach (var child in section.GetChildren())
        {
            if (!KnownKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path}: unknown key (known: {string.Join(", ", KnownKeys)})");
            }
        }

        var options = new EgressOptions
        {
            Listeners = BindList<ListenerOptions>(section.GetSection(nameof(EgressOptions.Listeners)), errors),
            Allow = BindList<RuleOptions>(section.GetSection(nameof(EgressOptions.Allow)), errors),
            Deny = BindList<RuleOptions>(section.GetSection(nameof(EgressOptions.Deny)), errors),
            Routes = BindList<RouteOptions>(section.GetSection(nameof(EgressOptions.Routes)), errors),
            Clients = BindList<ClientOptions>(section.GetSection(nameof(EgressOptions.Clients)), errors),
            Admin = BindObject<AdminOptions>(section.GetSection(nameof(EgressOptions.Admin)), errors),
            Timeouts = BindObject<TimeoutOptions>(section.GetSection(nameof(EgressOptions.Timeouts)), errors),
            Limits = BindObject<LimitOptions>(section.GetSection(nameof(EgressOptions.Limits)), errors),
            Policy = BindObject<PolicyOptions>(section.GetSection(nameof(EgressOptions.Policy)), errors),
            Telemetry = BindObject<TelemetryOptions>(section.GetSection(nameof(EgressOptions.Telemetry)), errors),
            PrivateNetworks = BindObject<PrivateNetworkOptions>(section.GetSection(nameof(EgressOptions.PrivateNetworks)), errors),
            Dns = BindObject<DnsOptions>(section.GetSection(nameof(EgressOptions.Dns)), errors),
            CircuitBreaker = BindObject<CircuitBreakerOptions>(section.GetSection(nameof(EgressOptions.CircuitBreaker)), errors),
        };

        var mode = section.GetSection(nameof(EgressOptions.Mode));
        if (mode.Value is { } modeText)
        {
            if (Enum.TryParse<EnforcementMode>(modeText, ignoreCase: true, out var parsed) && !int.TryParse(modeText, out _))
            {
                options.Mode = parsed;
            }
            else
            {
                errors.Add($"{mode.Path}: '{modeText}' is not Enforce or Report");
            }
        }

        foreach (var pin in section.GetSection(nameof(EgressOptions.Hosts)).GetChildren())
        {
            options.Hosts[pin.Key] = pin.Value ?? string.Empty;
        }

        // A value that could not even be converted leaves defaults behind that would only produce misleading
        // follow-up errors, so the semantic checks run once every value binds.
        if (errors.Count > before)
        {
            return null;
        }

        return EgressConfigCompiler.Compile(options, errors);
    }

    private static List<T> BindList<T>(IConfigurationSection section, List<string> errors) where T : new()
    {
        var list = new List<T>();
        foreach (var child in section.GetChildren())
        {
            if (!int.TryParse(child.Key, out _))
            {
                errors.Add($"{child.Path}: expected a list, found the key '{child.Key}'");
                continue;
            }

            list.Add(BindObject<T>(child, errors));
        }

        return list;
    }

    private static T BindObject<T>(IConfigurationSection section, List<string> errors) where T : new()
    {
        var value = new T();
        CheckKeys(section, typeof(T), errors);
        try
        {
            section.Bind(value);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add($"{section.Path}: {Describe(ex)}");
        }

        return value;
    }

    /// <summary>Every key must name a property of the options type, recursively into nested option objects.</summary>
    private static void CheckKeys(IConfigurationSection section, Type type, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                errors.Add($"{child.Path}: unknown key");
            }
            else if (property.PropertyType.IsClass && property.PropertyType != typeof(string) && property.PropertyType.Namespace == typeof(EgressOptions).Namespace)
            {
                CheckKeys(child, property.PropertyType, errors);
            }
        }
    }

    private static string Describe(InvalidOperationException ex) =>
        ex.InnerException is { } inner and not InvalidOperationException ? $"{ex.Message} {inner.Message}" : ex.Message;
}
