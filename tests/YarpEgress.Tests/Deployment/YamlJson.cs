using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// A YAML document as the JSON the API server stores: plain scalars typed as Kubernetes' YAML reader types them
/// (null, booleans including YAML 1.1's yes/no/on/off, integers, floats), quoted ones always strings. So a schema
/// that wants a string port ("3128") refuses a bare 3128, as the API server would.
/// </summary>
internal static class YamlJson
{
    private static readonly string[] TrueWords = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"];
    private static readonly string[] FalseWords = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"];

    public static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => Map(map),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidOperationException($"unsupported YAML node {node.NodeType} at {node.Start}"),
    };

    /// <summary>Every document of a YAML stream (empty ones skipped).</summary>
    public static IEnumerable<JsonObject> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlMappingNode { Children.Count: > 0 } root)
            {
                yield return (JsonObject)Convert(root)!;
            }
        }
    }

    private static JsonObject Map(YamlMappingNode map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (result.ContainsKey(name))
            {
                throw new InvalidOperationException($"duplicate key '{name}' at {key.Start}");
            }

            result[name] = Convert(value);
        }

        return result;
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (TrueWords.Contains(text))
        {
            return JsonValue.Create(true);
        }

        if (FalseWords.Contains(text))
        {
            return JsonValue.Create(false);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (text.Any(char.IsDigit) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }
}
