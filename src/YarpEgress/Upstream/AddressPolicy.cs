using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace YarpEgress.Upstream;

/// <summary>
/// The SSRF guard, applied to every address the gateway is about to dial (after resolution, so the checked address is
/// the one dialed): loopback, RFC 1918, CGNAT, link-local (cloud metadata), unique-local and link-local IPv6,
/// multicast, unspecified and reserved ranges are denied, also inside IPv4-mapped, IPv4-compatible, NAT64 and 6to4
/// IPv6 forms, unless <c>Egress:PrivateNetworks:Allow</c> (the caller's snapshot) lists them; the gateway's own listener
/// endpoints are always denied.
/// </summary>
internal sealed class AddressPolicy(IGatewayEndpoints endpoints)
{
    private static readonly (IPNetwork Network, string Why)[] Denied =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified ('this network')"),
        (IPNetwork.Parse("10.0.0.0/8"), "private (RFC 1918)"),
        (IPNetwork.Parse("100.64.0.0/10"), "carrier-grade NAT (RFC 6598)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local (cloud metadata)"),
        (IPNetwork.Parse("172.16.0.0/12"), "private (RFC 1918)"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.168.0.0/16"), "private (RFC 1918)"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking (RFC 2544)"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved or broadcast"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("100::/64"), "discard-only"),
        (IPNetwork.Parse("fc00::/7"), "unique-local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork V4Compatible = IPNetwork.Parse("::/96");

    private readonly Lazy<HashSet<IPAddress>> _localAddresses = new(LocalAddresses);

    /// <summary>True when the address may be dialed on that port; otherwise <paramref name="reason"/> says why.</summary>
    /// <param name="allow">The private ranges let through (<c>Egress:PrivateNetworks:Allow</c> of the connection's snapshot).</param>
    public bool IsAllowed(IPAddress address, int port, IReadOnlyList<IPNetwork> allow, out string reason)
    {
        if (IsSelf(address, port))
        {
            reason = $"{address}:{port} is this gateway's own listener";
            return false;
        }

        var embedded = EmbeddedIPv4(address);
        if (Listed(allow, address) || (embedded is not null && Listed(allow, embedded)))
        {
            reason = string.Empty;
            return true;
        }

        if (Classify(address) is { } why)
        {
            reason = $"{address} is {why}";
            return false;
        }

        if (embedded is not null && Classify(embedded) is { } embeddedWhy)
        {
            reason = $"{address} embeds {embedded}, which is {embeddedWhy}";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    private static string? Classify(IPAddress address)
    {
        foreach (var (network, why) in Denied)
        {
            if (network.Contains(address))
            {
                return why;
            }
        }

        return null;
    }

    private static bool Listed(IReadOnlyList<IPNetwork> networks, IPAddress address)
    {
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address.</summary>
    internal static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (Nat64.Contains(address) || (V4Compatible.Contains(address) && !address.Equals(IPAddress.IPv6None) && !address.Equals(IPAddress.IPv6Loopback)))
        {
            return new IPAddress(bytes[12..]);
        }

        return SixToFour.Contains(address) ? new IPAddress(bytes[2..6]) : null;
    }

    private bool IsSelf(IPAddress address, int port)
    {
        var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var bound in endpoints.BoundEndPoints())
        {
            if (bound.Port != port)
            {
                continue;
            }

            var listening = bound.Address.IsIPv4MappedToIPv6 ? bound.Address.MapToIPv4() : bound.Address;
            if (listening.Equals(target)
                || ((listening.Equals(IPAddress.Any) || listening.Equals(IPAddress.IPv6Any)) && (IPAddress.IsLoopback(target) || _localAddresses.Value.Contains(target))))
            {
                return true;
            }
        }

        return false;
    }

    private static HashSet<IPAddress> LocalAddresses()
    {
        var addresses = new HashSet<IPAddress>();
        try
        {
            foreach (var network in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in network.GetIPProperties().UnicastAddresses)
                {
                    addresses.Add(unicast.Address);
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface list: loopback is still recognised by address.
        }

        return addresses;
    }
}
