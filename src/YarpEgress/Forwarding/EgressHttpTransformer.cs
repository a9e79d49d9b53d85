using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;
using YarpEgress.Configuration;

namespace YarpEgress.Forwarding;

/// <summary>
/// YARP's default transform (origin-form path, hop-by-hop headers dropped) plus what a forward proxy must also drop
/// (RFC 9110 7.6.1): the headers the client named in <c>Connection</c>, <c>Proxy-Connection</c> and the client's
/// <c>Proxy-Authorization</c>, which was meant for this gateway, and <c>Egress:Http:StripRequestHeaders</c>. The same
/// holds for the upstream's response. An origin-form request target goes out byte for byte.
/// </summary>
internal sealed class EgressHttpTransformer(EgressConfigStore config) : HttpTransformer
{
    private static readonly string[] ProxyOnlyHeaders = ["Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate"];
    private static readonly UriCreationOptions AsSent = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        RemoveNamed(httpContext.Request.Headers.Connection, proxyRequest.Headers, proxyRequest.Content?.Headers);
        foreach (var name in ProxyOnlyHeaders)
        {
            proxyRequest.Headers.Remove(name);
        }

        config.Current.StripRequestHeaders.RemoveFrom(proxyRequest.Headers);

        // Left unset, YARP builds the URI from the decoded path (%41 becomes A, dot segments collapse); set here, the
        // origin-form target goes out as the client sent it. Absolute-form targets keep YARP's rebuilt path.
        if (httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget is ['/', ..] rawTarget)
        {
            proxyRequest.RequestUri = new Uri(destinationPrefix + rawTarget, in AsSent);
        }

        if (httpContext.Features.Get<RoutedRequest>() is { } routed)
        {
            proxyRequest.Options.Set(RoutedRequest.Key, routed);
            proxyRequest.Headers.Host = routed.HostHeader;
            if (routed.Route.ViaAuthorization is { } authorization)
            {
                proxyRequest.Headers.TryAddWithoutValidation("Proxy-Authorization", authorization);
            }
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is not null && proxyResponse.Headers.TryGetValues("Connection", out var connection))
        {
            foreach (var value in connection)
            {
                foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    httpContext.Response.Headers.Remove(token);
                }
            }
        }

        httpContext.Response.Headers.Remove("Proxy-Connection");
        return copy;
    }

    private static void RemoveNamed(StringValues connection, HttpHeaders headers, HttpHeaders? contentHeaders)
    {
        foreach (var value in connection)
        {
            foreach (var token in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                headers.Remove(token);
                contentHeaders?.Remove(token);
            }
        }
    }
}
