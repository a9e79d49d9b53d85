using System.Net;
using System.Net.Sockets;
using YarpEgress.Policy;
using YarpEgress.Upstream;

namespace YarpEgress.Forwarding;

/// <summary>
/// The one <see cref="HttpMessageInvoker"/> plain-HTTP forwarding shares: a <see cref="SocketsHttpHandler"/> tuned for a
/// proxy (no proxy of its own, no redirects, no decompression, no cookies) whose connections are dialed by the
/// <see cref="UpstreamConnector"/>, so plain HTTP obeys the same resolution, pins and deadline as tunnels.
/// </summary>
internal sealed class ForwardingInvoker : IDisposable
{
    public ForwardingInvoker(UpstreamConnector connector)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = int.MaxValue,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var destination = ToDestination(context.DnsEndPoint);
                var socket = await connector.ConnectAsync(destination, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    private static Destination ToDestination(DnsEndPoint endPoint)
    {
        var host = endPoint.Host.AsSpan().Trim("[]");
        if (IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return Destination.ForAddress(address, endPoint.Port);
        }

        if (!Destination.TryParseHost(host, endPoint.Port, out var destination, out var error))
        {
            throw new UpstreamConnectException(ConnectFailureKind.Dns, error);
        }

        return destination;
    }

    public void Dispose() => Invoker.Dispose();
}
