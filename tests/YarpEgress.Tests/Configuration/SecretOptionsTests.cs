using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using YarpEgress.Admin;
using YarpEgress.Configuration;

namespace YarpEgress.Tests.Configuration;

/// <summary>The list of secret options is part of the option types: every option that looks like a secret is marked.</summary>
public sealed partial class SecretOptionsTests
{
    [Fact]
    public void Every_option_whose_name_suggests_a_secret_is_marked_Secret()
    {
        var unmarked = new List<string>();
        var marked = new List<string>();
        foreach (var (type, property) in OptionProperties())
        {
            if (property.GetCustomAttribute<SecretAttribute>() is not null)
            {
                marked.Add($"{type.Name}.{property.Name}");
            }
            else if (CanHoldText(property.PropertyType) && SecretName().IsMatch(property.Name))
            {
                unmarked.Add($"{type.Name}.{property.Name}");
            }
        }

        Assert.True(unmarked.Count == 0, $"options that look secret but are not marked [Secret]: {string.Join(", ", unmarked)}");
        Assert.Contains("RouteOptions.ViaAuthorization", marked);
        Assert.Contains("ClientOptions.ProxyPasswordHash", marked);
    }

    [Theory]
    [InlineData("ProxyPassword", true)]
    [InlineData("ViaAuthorization", true)]
    [InlineData("ClientSecret", true)]
    [InlineData("BearerToken", true)]
    [InlineData("PrivateKey", true)]
    [InlineData("KeyPem", true)]
    [InlineData("KeyPassphrase", true)]
    [InlineData("KeyPath", false)]
    [InlineData("ClientCaPath", false)]
    [InlineData("MaxCacheEntries", false)]
    public void The_name_check_catches_secret_names_and_leaves_paths(string name, bool secret) => Assert.Equal(secret, SecretName().IsMatch(name));

    [Fact]
    public void A_secret_of_any_type_is_written_redacted_and_null_stays_null()
    {
        var json = JsonSerializer.Serialize(new WithSecrets { Keys = ["k1", "k2"], Token = null, Name = "n" }, ConfigJson.Options);
        Assert.Equal("""{"keys":"<redacted>","token":null,"name":"n"}""", json.ReplaceLineEndings(string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal));
    }

    public sealed class WithSecrets
    {
        [Secret]
        public List<string>? Keys { get; set; }

        [Secret]
        public string? Token { get; set; }

        public string? Name { get; set; }
    }

    /// <summary>Strings and collections of strings: a count, a flag or a duration holds no secret, whatever its name.</summary>
    private static bool CanHoldText(Type type) =>
        type == typeof(string) || (type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
            && (type.IsArray ? type.GetElementType() == typeof(string) : Array.Exists(type.GetGenericArguments(), a => a == typeof(string))));

    /// <summary>Every property of every options type reachable from <see cref="EgressOptions"/> (lists and dictionaries included).</summary>
    private static IEnumerable<(Type Type, PropertyInfo Property)> OptionProperties()
    {
        var seen = new HashSet<Type>();
        var pending = new Queue<Type>([typeof(EgressOptions)]);
        while (pending.TryDequeue(out var type))
        {
            if (!seen.Add(type))
            {
                continue;
            }

            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                yield return (type, property);
                var propertyType = property.PropertyType;
                Type[] candidates = propertyType.IsGenericType ? propertyType.GetGenericArguments() : [propertyType];
                foreach (var candidate in candidates)
                {
                    var inner = Nullable.GetUnderlyingType(candidate) ?? candidate;
                    if (inner.IsClass && inner.Namespace == typeof(EgressOptions).Namespace)
                    {
                        pending.Enqueue(inner);
                    }
                }
            }
        }

        Assert.True(seen.Count > 10, "the walk should reach every options type");
    }

    [GeneratedRegex("Password|Passphrase|Authorization|Secret|Token|Credential|PrivateKey|Key(Pem|Data|Material|Bytes|Text)|Key$")]
    private static partial Regex SecretName();
}
