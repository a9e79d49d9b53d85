using System.Net;
using YarpEgress.Addressing;
using YarpEgress.Diagnostics;

namespace YarpEgress.Routing;

/// <summary><c>Egress:Hosts</c>: names pinned to addresses without DNS, matched like host names.</summary>
internal sealed class HostPins
{
    private readonly Dictionary<string, IPAddress[]> _pins;

    private HostPins(Dictionary<string, IPAddress[]> pins) => _pins = pins;

    public int Count => _pins.Count;

    /// <summary>Looks up a normalized host name.</summary>
    public bool TryGet(string host, out IPAddress[] addresses) => _pins.TryGetValue(host, out addresses!);

    /// <summary>Each bad entry adds errors at its name.</summary>
    public static HostPins Parse(IReadOnlyDictionary<string, string> entries, IErrorSink errors)
    {
        var pins = new Dictionary<string, IPAddress[]>(StringComparer.Ordinal);
        foreach (var (name, value) in entries)
        {
            if (!HostName.TryNormalize(name, wildcards: false, out var host, out var error))
            {
                errors.Add(name, $"'{name}' is not a valid host name: {error}");
                continue;
            }

            var addresses = new List<IPAddress>();
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (IPAddress.TryParse(part, out var address) && part.Contains(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? '.' : ':'))
                {
                    addresses.Add(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
                }
                else
                {
                    errors.Add(name, $"'{part}' is not an IP address");
                }
            }

            if (addresses.Count == 0)
            {
                errors.Add(name, "give one or more IP addresses, comma-separated");
                continue;
            }

            if (!pins.TryAdd(host, [.. addresses]))
            {
                errors.Add(name, $"'{host}' is pinned twice");
            }
        }

        return new HostPins(pins);
    }
}
