using System.Globalization;

namespace YarpEgress.Addressing;

/// <summary>A TCP port as written in a request or a config value: 1-65535, ASCII digits only, no sign or spaces.</summary>
internal static class PortNumber
{
    public static bool TryParse(ReadOnlySpan<char> text, out int port)
    {
        port = 0;
        if (text.IsEmpty || text.Length > 5)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        port = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return port is >= 1 and <= 65535;
    }
}
