using System.Net;

namespace YarpEgress.Listeners.ProxyHeaders;

/// <summary>
/// A parsed PROXY protocol header: the client the load balancer accepted (<see cref="Source"/>) and the address it
/// accepted it on. Both are null for v2 <c>LOCAL</c>, v1 <c>UNKNOWN</c> and address families other than TCP over IPv4
/// or IPv6: then the connection's own peer is the client.
/// </summary>
internal readonly record struct ProxyHeader(int Version, IPEndPoint? Source, IPEndPoint? Destination);
