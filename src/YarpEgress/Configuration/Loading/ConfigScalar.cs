using System.ComponentModel;
using System.Globalization;

namespace YarpEgress.Configuration.Loading;

/// <summary>
/// Reads one config value as an option's type, or says why not with the accepted values or format: names for enums
/// (never numbers), <c>hh:mm:ss</c> time spans, invariant numbers.
/// </summary>
internal static class ConfigScalar
{
    public static bool TryParse(Type type, string text, out object? value, out string error)
    {
        value = null;
        error = string.Empty;
        var invariant = CultureInfo.InvariantCulture;
        if (type == typeof(string))
        {
            value = text;
            return true;
        }

        if (type == typeof(bool))
        {
            return bool.TryParse(text, out var flag) ? Set(flag, out value) : Error(out error, $"'{text}' is not true or false");
        }

        if (type == typeof(int))
        {
            return int.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var number) ? Set(number, out value) : Error(out error, $"'{text}' is not a whole number");
        }

        if (type == typeof(long))
        {
            return long.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var big) ? Set(big, out value) : Error(out error, $"'{text}' is not a whole number");
        }

        if (type == typeof(double))
        {
            return double.TryParse(text, NumberStyles.Float, invariant, out var real) && double.IsFinite(real) ? Set(real, out value) : Error(out error, $"'{text}' is not a number");
        }

        if (type == typeof(TimeSpan))
        {
            // A bare number parses as days ("10" is ten days), never what a timeout meant: a time span has a ':'.
            return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, invariant, out var span)
                ? Set(span, out value)
                : Error(out error, $"'{text}' is not a time span: expected one such as 00:00:30 (hh:mm:ss, d.hh:mm:ss or hh:mm:ss.fff)");
        }

        if (type.IsEnum)
        {
            // Names only: a number or a comma list would parse, and mean nothing an operator wrote on purpose.
            foreach (var name in Enum.GetNames(type))
            {
                if (name.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    value = Enum.Parse(type, name);
                    return true;
                }
            }

            return Error(out error, $"'{text}' is not one of {string.Join(", ", Enum.GetNames(type))}");
        }

        try
        {
            value = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(text);
            return true;
        }
        catch (Exception ex) when (ex is NotSupportedException or FormatException or ArgumentException)
        {
            return Error(out error, $"'{text}' cannot be read as {type.Name}: {ex.Message}");
        }
    }

    private static bool Set<T>(T parsed, out object? value)
    {
        value = parsed;
        return true;
    }

    private static bool Error(out string error, string message)
    {
        error = message;
        return false;
    }
}
