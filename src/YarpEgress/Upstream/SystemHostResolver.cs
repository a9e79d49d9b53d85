using System.Net;

namespace YarpEgress.Upstream;

/// <summary>The operating system's resolver (getaddrinfo: /etc/hosts, then DNS).</summary>
internal sealed class SystemHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Dns.GetHostAddressesAsync(host, cancellationToken);
}
