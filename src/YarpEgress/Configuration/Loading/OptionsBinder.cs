using System.Collections;
using System.Globalization;
using System.Reflection;

namespace YarpEgress.Configuration.Loading;

/// <summary>
/// Binds a configuration section onto an options type key by key, so that every unknown key and every value that does
/// not convert is reported with its key path in one pass (the framework's binder stops at the first), with the
/// accepted values or format. It remembers the keys that failed, so that semantic errors about the defaults they left
/// behind can be dropped instead of misleading.
/// </summary>
internal sealed class OptionsBinder(List<string> errors)
{
    private const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance;

    private readonly List<string> _failed = [];

    public T Bind<T>(IConfigurationSection section) where T : new()
    {
        var target = new T();
        BindObject(typeof(T), section, target);
        return target;
    }

    /// <summary>
    /// Whether a later error is about a key that failed to bind, a key under it, or the object that holds it (whose
    /// cross-key checks then saw a default instead of what was written).
    /// </summary>
    public bool IsAboutFailedKey(string error)
    {
        var end = error.IndexOf(": ", StringComparison.Ordinal);
        var key = end < 0 ? error : error[..end];
        foreach (var failed in _failed)
        {
            if (key.Equals(failed, StringComparison.OrdinalIgnoreCase)
                || key.StartsWith(failed + ":", StringComparison.OrdinalIgnoreCase)
                || (failed.LastIndexOf(':') is var parent and > 0 && key.Equals(failed[..parent], StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    private void BindObject(Type type, IConfigurationSection section, object target)
    {
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, Public | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite || property.GetIndexParameters().Length > 0)
            {
                // Not a failed value: what the object's own checks say (a missing Host, say) is still true.
                errors.Add($"{child.Path}: unknown key (known: {KnownKeys(type)})");
            }
            else if (child.Value is null && !HasChildren(child))
            {
                // null or an empty object/list: the option keeps its default
            }
            else if (IsDictionary(property.PropertyType, out var valueType))
            {
                var dictionary = property.GetValue(target) as IDictionary ?? (IDictionary)Activator.CreateInstance(property.PropertyType)!;
                if (TryDictionary(valueType, child, dictionary))
                {
                    property.SetValue(target, dictionary);
                }
            }
            else if (TryConvert(property.PropertyType, child, out var value))
            {
                property.SetValue(target, value);
            }
        }
    }

    private bool TryConvert(Type type, IConfigurationSection section, out object? value)
    {
        value = null;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsList(type, out var itemType))
        {
            if (!TryList(itemType, section, out var list))
            {
                return false;
            }

            value = type.IsArray ? ToArray(itemType, list) : list;
            return true;
        }

        if (IsOptions(type))
        {
            if (section.Value is { } text)
            {
                return Fail(section.Path, $"expected an object with keys ({KnownKeys(type)}), found the value '{text}'");
            }

            value = Activator.CreateInstance(type)!;
            BindObject(type, section, value);
            return true;
        }

        if (section.Value is not { } raw)
        {
            return Fail(section.Path, HasChildren(section) ? "expected a single value, found an object or a list" : "expected a value, found null");
        }

        return ConfigScalar.TryParse(type, raw, out value, out var error) || Fail(section.Path, error);
    }

    private bool TryList(Type itemType, IConfigurationSection section, out IList list)
    {
        list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(itemType))!;
        if (section.Value is { } text)
        {
            return Fail(section.Path, $"expected a list, found the value '{text}'");
        }

        var ok = true;
        foreach (var child in section.GetChildren())
        {
            if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                ok = Fail(child.Path, $"expected a list, found the key '{child.Key}'");
            }
            else if (IsOptions(itemType) && child.Value is null)
            {
                // a list entry "{ }" is an entry with every default, seen (and reported) by validation
                var item = Activator.CreateInstance(itemType)!;
                BindObject(itemType, child, item);
                list.Add(item);
            }
            else if (TryConvert(itemType, child, out var item))
            {
                list.Add(item);
            }
            else
            {
                ok = false;
            }
        }

        return ok;
    }

    private bool TryDictionary(Type valueType, IConfigurationSection section, IDictionary dictionary)
    {
        var ok = true;
        foreach (var child in section.GetChildren())
        {
            if (valueType == typeof(string) && child.Value is null && !HasChildren(child))
            {
                dictionary[child.Key] = string.Empty;
            }
            else if (TryConvert(valueType, child, out var item))
            {
                dictionary[child.Key] = item;
            }
            else
            {
                ok = false;
            }
        }

        return ok;
    }

    private bool Fail(string path, string message)
    {
        errors.Add($"{path}: {message}");
        _failed.Add(path);
        return false;
    }

    /// <summary>An options class: a class of the configuration namespace, bound key by key.</summary>
    private static bool IsOptions(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith(typeof(EgressOptions).Namespace!, StringComparison.Ordinal) == true;

    /// <summary><c>List&lt;T&gt;</c>, <c>T[]</c> and the list interfaces a <c>List&lt;T&gt;</c> can stand for.</summary>
    private static bool IsList(Type type, out Type itemType)
    {
        if (type.IsArray && type.GetArrayRank() == 1)
        {
            itemType = type.GetElementType()!;
            return true;
        }

        itemType = typeof(object);
        if (!type.IsGenericType || type.GetGenericArguments() is not [var item])
        {
            return false;
        }

        var definition = type.GetGenericTypeDefinition();
        itemType = item;
        return definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)
            || definition == typeof(ICollection<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IEnumerable<>);
    }

    private static Array ToArray(Type itemType, IList list)
    {
        var array = Array.CreateInstance(itemType, list.Count);
        list.CopyTo(array, 0);
        return array;
    }

    private static bool IsDictionary(Type type, out Type valueType)
    {
        valueType = typeof(object);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && type.GetGenericArguments() is [var key, var value] && key == typeof(string))
        {
            valueType = value;
            return true;
        }

        return false;
    }

    private static bool HasChildren(IConfigurationSection section) => section.GetChildren().Any();

    private static string KnownKeys(Type type)
    {
        var names = new List<string>();
        foreach (var property in type.GetProperties(Public))
        {
            if (property.CanWrite && property.GetIndexParameters().Length == 0)
            {
                names.Add(property.Name);
            }
        }

        return string.Join(", ", names);
    }
}
