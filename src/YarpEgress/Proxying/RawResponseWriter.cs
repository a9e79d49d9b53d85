using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using YarpEgress.Transport;

namespace YarpEgress.Proxying;

/// <summary>Answers on a raw connection (a refused CONNECT, a connection over the limit) with a complete HTTP/1.1 error response, then closes.</summary>
internal static class RawResponseWriter
{
    public static Task WriteErrorAndCloseAsync(ConnectionContext context, ProxyError error, TimeProvider time) =>
        context.Features.GetRequiredFeature<IClientSendFeature>().SendFinalAsync(Render(error), time);

    /// <summary>The whole response: status line, <c>Proxy-Status</c>, the challenge of a 407, <c>Retry-After</c>, the one-line body.</summary>
    public static byte[] Render(in ProxyError error)
    {
        var body = error.Body;
        var response = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {error.StatusCode} {ReasonPhrases.GetReasonPhrase(error.StatusCode)}\r\n" +
            $"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n" +
            $"Proxy-Status: {error.ProxyStatusHeader}\r\n{(error.StatusCode == 407 ? $"Proxy-Authenticate: {ProxyError.Challenge}\r\n" : string.Empty)}" +
            $"{(error.RetryAfterSeconds is { } retry ? $"Retry-After: {retry}\r\n" : string.Empty)}" +
            $"Connection: close\r\n\r\n{body}");
        return Encoding.UTF8.GetBytes(response);
    }
}
