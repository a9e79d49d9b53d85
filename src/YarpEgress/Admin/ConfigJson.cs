using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using YarpEgress.Configuration;

namespace YarpEgress.Admin;

/// <summary>
/// How <c>/config</c> writes options: camelCase, enums by name, and every property marked <see cref="SecretAttribute"/>
/// as <c>"&lt;redacted&gt;"</c> (null stays null, so an operator still sees whether it is set).
/// </summary>
internal static class ConfigJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { RedactSecrets } },
    };

    /// <summary>The JSON name of an options property.</summary>
    public static string Name(string propertyName) => Options.PropertyNamingPolicy!.ConvertName(propertyName);

    private static void RedactSecrets(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in type.Properties)
        {
            if (property.AttributeProvider is not MemberInfo member || member.GetCustomAttribute<SecretAttribute>() is null)
            {
                continue;
            }

            if (property.PropertyType != typeof(string) || property.Get is not { } get)
            {
                throw new InvalidOperationException($"{type.Type.Name}.{member.Name}: [Secret] applies to readable string properties only");
            }

            property.Get = owner => get(owner) is null ? null : SecretAttribute.Redacted;
        }
    }
}
