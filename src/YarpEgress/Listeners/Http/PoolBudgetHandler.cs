using YarpEgress.Configuration;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// Keeps the forwarder's pools within <c>Limits:MaxUpstreamHttpConnections</c>. SocketsHttpHandler has no way to evict
/// a chosen idle connection, and a connection it dials may serve a request other than the one that caused the dial; the
/// one race-free lever is the request: with <c>Connection: close</c> it closes whatever connection served the request
/// once the response is done. So while the open count is at the cap, every request carries it: a new connection
/// serves one request and is gone, a reused one leaves the pool. Open connections exceed the cap only by requests in
/// flight (bounded by the listeners' connection limits), and an over-full pool shrinks back as it is used or idles out.
/// </summary>
internal sealed class PoolBudgetHandler(HttpMessageHandler inner, UpstreamHttpConnections connections, EgressConfigStore config) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (connections.Open >= config.Current.Limits.MaxUpstreamHttpConnections)
        {
            request.Headers.ConnectionClose = true;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
