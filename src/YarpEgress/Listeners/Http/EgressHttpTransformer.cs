using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;
using YarpEgress.Proxying;
using YarpEgress.Upstream;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// YARP's default transform (hop-by-hop headers dropped) plus what a forward proxy must also do (RFC 9110 7.6):
/// drop the headers the client named in <c>Connection</c> (<see cref="ConnectionTokens"/>), <c>Proxy-Connection</c>,
/// the client's <c>Proxy-Authorization</c> (meant for this gateway), Kestrel's synthetic <c>X-Content-Length</c> and
/// <c>Egress:Http:StripRequestHeaders</c>; decrement <c>Max-Forwards</c> on TRACE and OPTIONS; add <c>Via</c> when
/// <c>Egress:Http:Via</c> names a pseudonym. The same holds for the upstream's response. The request target goes out
/// byte for byte in both request forms: never decoded, no dot segments removed (RFC 9110 7.7). Everything comes from
/// the request's <see cref="ProxyContext"/>: its snapshot and the gate's <see cref="DialPlan"/>, which goes on to the
/// forwarder's ConnectCallback in the request's options. While the pools hold <c>Limits:MaxUpstreamHttpConnections</c>,
/// every request carries <c>Connection: close</c>: SocketsHttpHandler has no way to evict a chosen idle connection,
/// and a connection it dials may serve another request than the one that caused the dial; the one race-free lever is
/// the request, whose connection closes once its response is done (a new one serves one request and is gone, a reused
/// one leaves the pool), so the pools exceed the cap only by requests in flight.
/// </summary>
internal sealed class EgressHttpTransformer(ForwardingInvokers invokers) : HttpTransformer
{
    private static readonly string[] ProxyOnlyHeaders = ["Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate"];

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var request = httpContext.Request;
        var rawTarget = httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var connection = rawTarget is not null && httpContext.Features.Get<RawConnectionHeader>()?.For(request.Method, rawTarget) is { } raw
            ? new StringValues(raw)
            : request.Headers.Connection;
        ConnectionTokens.RemoveNamed(connection, proxyRequest.Headers, proxyRequest.Content?.Headers);
        foreach (var name in ProxyOnlyHeaders)
        {
            proxyRequest.Headers.Remove(name);
        }

        if (request.Headers.ContainsKey("Transfer-Encoding"))
        {
            // Kestrel moves a Content-Length that came with Transfer-Encoding to X-Content-Length (RFC 9112 6.3: the
            // framing is Transfer-Encoding's); it is no header of the client's.
            proxyRequest.Headers.Remove("X-Content-Length");
        }

        var proxy = httpContext.Features.GetRequiredFeature<ProxyContext>();
        var snapshot = proxy.Snapshot;
        snapshot.StripRequestHeaders.RemoveFrom(proxyRequest.Headers);
        DecrementMaxForwards(request, proxyRequest);
        if (snapshot.Via is { } via)
        {
            proxyRequest.Headers.TryAddWithoutValidation("Via", HttpProtocol.IsHttp10(request.Protocol) ? via.Http10 : via.Http11);
        }

        // Left unset, YARP builds the URI from the decoded path (%41 becomes A, %2F a slash, dot segments collapse);
        // set here, the target goes out as the client sent it.
        if (rawTarget is not null && RequestTarget.ToUpstream(destinationPrefix, rawTarget) is { } uri)
        {
            proxyRequest.RequestUri = uri;
        }

        if (proxy.Plan is { IsRouted: true } plan)
        {
            proxyRequest.Options.Set(DialPlan.Key, plan);
            if (plan.OriginatesTls || plan.Via is not null)
            {
                proxyRequest.Headers.Host = plan.HostHeader;
            }

            if (plan.ViaAuthorization is { } authorization)
            {
                proxyRequest.Headers.TryAddWithoutValidation("Proxy-Authorization", authorization);
            }
        }

        if (invokers.Connections.Open >= snapshot.Limits.MaxUpstreamHttpConnections)
        {
            proxyRequest.Headers.ConnectionClose = true;
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var headers = httpContext.Response.Headers;
        if (proxyResponse is not null && proxyResponse.Headers.NonValidated.TryGetValues("Connection", out var connection))
        {
            foreach (var value in connection)
            {
                ConnectionTokens.RemoveNamed(value, headers);
            }
        }

        headers.Remove("Proxy-Connection");
        if (proxyResponse is not null && httpContext.Features.Get<ProxyContext>()?.Snapshot.Via is { } via)
        {
            headers.Append("Via", proxyResponse.Version == HttpVersion.Version10 ? via.Http10 : via.Http11);
        }

        return copy;
    }

    /// <summary>RFC 9110 7.6.2: a forwarded TRACE or OPTIONS carries one less <c>Max-Forwards</c> (0 is answered by the gateway).</summary>
    private static void DecrementMaxForwards(HttpRequest request, HttpRequestMessage proxyRequest)
    {
        if ((HttpMethods.IsTrace(request.Method) || HttpMethods.IsOptions(request.Method))
            && MaxForwards.TryRead(request.Headers, out var value) && value > 0)
        {
            proxyRequest.Headers.Remove("Max-Forwards");
            proxyRequest.Headers.TryAddWithoutValidation("Max-Forwards", (value - 1).ToString(CultureInfo.InvariantCulture));
        }
    }
}
