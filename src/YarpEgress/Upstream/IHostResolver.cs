using System.Net;

namespace YarpEgress.Upstream;

/// <summary>Turns a host name into addresses; throws <see cref="System.Net.Sockets.SocketException"/> when DNS says no.</summary>
internal interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}
