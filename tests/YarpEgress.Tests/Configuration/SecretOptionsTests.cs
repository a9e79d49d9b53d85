using System.Reflection;
using System.Text.RegularExpressions;
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
            var isSecret = property.GetCustomAttribute<SecretAttribute>() is not null;
            if (isSecret)
            {
                marked.Add($"{type.Name}.{property.Name}");
                Assert.True(property.PropertyType == typeof(string), $"{type.Name}.{property.Name}: [Secret] applies to string properties only");
            }
            else if (SecretName().IsMatch(property.Name))
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

    [GeneratedRegex("Password|Passphrase|Authorization|Secret|Token|Credential|ApiKey|PrivateKey|Key(Pem|Data|Material|Bytes|Text)|Key$")]
    private static partial Regex SecretName();
}
