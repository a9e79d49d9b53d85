using System.Reflection;
using System.Text.Encodings.Web;
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
        // Served as application/json, never inside HTML: "<redacted>" reads as written, not as \u003Credacted\u003E.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
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

            // A value of any type (a string, a list of keys) becomes one string; null stays null.
            property.CustomConverter = (JsonConverter)Activator.CreateInstance(typeof(RedactedConverter<>).MakeGenericType(property.PropertyType))!;
        }
    }
}
