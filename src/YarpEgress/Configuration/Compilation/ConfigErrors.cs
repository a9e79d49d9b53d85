using System.Globalization;
using System.Net;
using System.Net.Sockets;
using YarpEgress.Diagnostics;

namespace YarpEgress.Configuration.Compilation;

/// <summary>
/// Collects the config errors of one load, each with its key path (<c>Egress:Allow:3:Host: ...</c>), so an operator
/// sees them all at once. A scope is a view at a deeper key over the same list: a compiler hands
/// <c>errors.Scope("Routes", i)</c> to the code that checks one route, which never spells the path itself. The
/// messages that several sections share (ports, time spans, ranges, CIDR) are written once, here.
/// </summary>
internal sealed class ConfigErrors(List<string> errors, string key = EgressOptions.SectionName) : IErrorSink
{
    /// <summary>The key path errors are added at, such as <c>Egress:Listeners:0</c>.</summary>
    public string Key { get; } = key;

    public ConfigErrors Scope(string key) => new(errors, $"{Key}:{key}");

    IErrorSink IErrorSink.Scope(string key) => Scope(key);

    public ConfigErrors Scope(int index) => new(errors, string.Create(CultureInfo.InvariantCulture, $"{Key}:{index}"));

    public ConfigErrors Scope(string key, int index) => new(errors, string.Create(CultureInfo.InvariantCulture, $"{Key}:{key}:{index}"));

    public void Add(string message) => errors.Add($"{Key}: {message}");

    public void Add(string key, string message) => errors.Add($"{Key}:{key}: {message}");

    public void Add(int index, string message) => errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Key}:{index}: {message}"));

    /// <summary>Where the list stands now; <see cref="HasErrorsSince"/> then tells whether anything was added after.</summary>
    public int Mark() => errors.Count;

    public bool HasErrorsSince(int mark) => errors.Count > mark;

    /// <summary>A TCP port to dial, when given: 1-65535.</summary>
    public void Port(string key, int? port)
    {
        if (port is { } value && value is < 1 or > 65535)
        {
            Add(key, $"{value} is not a port (1-65535)");
        }
    }

    /// <summary>A time span that must be above zero.</summary>
    public void Positive(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            Add(key, $"must be positive, got {value}");
        }
    }

    /// <summary>A time span that may be zero (<paramref name="zeroMeans"/> says what zero does, when it does something).</summary>
    public void NotNegative(string key, TimeSpan value, string? zeroMeans = null)
    {
        if (value < TimeSpan.Zero)
        {
            Add(key, $"must not be negative{(zeroMeans is null ? string.Empty : $" ({zeroMeans})")}, got {value}");
        }
    }

    /// <summary>A whole number within <paramref name="min"/>-<paramref name="max"/>.</summary>
    public void Within(string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            Add(key, string.Create(CultureInfo.InvariantCulture, $"{value} is outside {min}-{max}"));
        }
    }

    /// <summary>A list of CIDR ranges (or single addresses); each bad entry is an error at its index.</summary>
    public List<IPNetwork> Networks(string key, List<string> entries)
    {
        var scope = Scope(key);
        var networks = new List<IPNetwork>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            if (TryParseNetwork(entries[i], out var network))
            {
                networks.Add(network);
            }
            else
            {
                scope.Add(i, NotCidr(entries[i]));
            }
        }

        return networks;
    }

    /// <summary>One CIDR range (or a single address); false, with the error at <paramref name="key"/>, when it is not one.</summary>
    public bool Cidr(string key, string text, out IPNetwork network)
    {
        if (TryParseNetwork(text, out network))
        {
            return true;
        }

        Add(key, NotCidr(text));
        return false;
    }

    private static string NotCidr(string text) => $"'{text}' is not a CIDR range (address/prefix with no host bits set, or one address)";

    private static bool TryParseNetwork(string text, out IPNetwork network)
    {
        text = text.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (IPNetwork.TryParse(text, out network))
        {
            // Reject host bits beyond the prefix ("10.0.0.1/8"): the writer meant something the range does not say.
            return IPAddress.TryParse(text.AsSpan(0, slash), out var written) && written.Equals(network.BaseAddress);
        }

        if (slash < 0 && IPAddress.TryParse(text, out var single))
        {
            network = new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }
}
