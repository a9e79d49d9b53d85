using System.Text.Json;
using System.Text.Json.Serialization;
using YarpEgress.Configuration;

namespace YarpEgress.Admin;

/// <summary>Writes any value of a <see cref="SecretAttribute"/> option as <c>"&lt;redacted&gt;"</c> (null is written as null before it gets here).</summary>
internal sealed class RedactedConverter<T> : JsonConverter<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("redacted options are written, never read");

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(SecretAttribute.Redacted);
}
