using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using YarpEgress.Configuration;

namespace YarpEgress.Upstream;

/// <summary>
/// Lookups through the <see cref="IHostResolver"/> under the caller's <c>Egress:Dns</c>: a timeout, the address family filter and
/// order, and a cache that keeps each answer for <c>CacheTtl</c> (the OS resolver reports no TTL, so this is the TTL).
/// </summary>
internal sealed class DnsCache(IHostResolver resolver, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (IPAddress[] Addresses, long Expires)> _answers = new(StringComparer.Ordinal);

    /// <param name="dns">The <c>Egress:Dns</c> settings of the connection's snapshot.</param>
    public async ValueTask<IPAddress[]> ResolveAsync(string host, DnsOptions dns, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (_answers.TryGetValue(host, out var cached) && now < cached.Expires)
        {
            return cached.Addresses;
        }

        IPAddress[] addresses;
        using (var timeout = new CancellationTokenSource(dns.Timeout, time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken))
        {
            try
            {
                addresses = await resolver.ResolveAsync(host, linked.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new UpstreamConnectException(ConnectFailureKind.Dns, $"DNS lookup for '{host}' timed out after {dns.Timeout.TotalSeconds:0.###} s");
            }
            catch (SocketException ex)
            {
                throw new UpstreamConnectException(ConnectFailureKind.Dns, $"DNS lookup for '{host}' failed: {ex.SocketErrorCode}", ex);
            }
        }

        addresses = Filter(addresses, dns.Family);
        if (addresses.Length == 0)
        {
            throw new UpstreamConnectException(ConnectFailureKind.Dns, $"DNS lookup for '{host}' returned no {(dns.Family == DnsFamily.Any ? string.Empty : dns.Family + " ")}addresses");
        }

        if (dns.CacheTtl > TimeSpan.Zero)
        {
            if (_answers.Count >= dns.MaxCacheEntries)
            {
                _answers.Clear();
            }

            _answers[host] = (addresses, now + (long)(dns.CacheTtl.TotalSeconds * time.TimestampFrequency));
        }

        return addresses;
    }

    internal static IPAddress[] Filter(IPAddress[] addresses, DnsFamily family)
    {
        var result = new List<IPAddress>(addresses.Length);
        foreach (var address in addresses)
        {
            var v4 = address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6;
            if (family is DnsFamily.Any or DnsFamily.V4First || (family == DnsFamily.V4Only && v4) || (family == DnsFamily.V6Only && !v4))
            {
                result.Add(address);
            }
        }

        if (family == DnsFamily.V4First)
        {
            // A stable sort: IPv4 first, each family in the resolver's order.
            return [.. result.Where(a => a.AddressFamily == AddressFamily.InterNetwork), .. result.Where(a => a.AddressFamily != AddressFamily.InterNetwork)];
        }

        return [.. result];
    }
}
