using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.WebUtilities;
using YarpEgress.Transport;

namespace YarpEgress.Proxying;

/// <summary>Answers on a raw connection (a refused CONNECT, a connection over the limit) with a complete HTTP/1.1 error response, then closes.</summary>
internal static class RawResponseWriter
{
    public static Task WriteErrorAndCloseAsync(ConnectionContext context, ProxyError error, TimeProvider time)
    {
        var body = error.Body;
        var response = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {error.StatusCode} {ReasonPhrases.GetReasonPhrase(error.StatusCode)}\r\n" +
            $"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n" +
            $"Proxy-Status: {error.ProxyStatusHeader}\r\n{(error.StatusCode == 407 ? $"Proxy-Authenticate: {ProxyError.Challenge}\r\n" : string.Empty)}" +
            $"{(error.RetryAfterSeconds is { } retry ? $"Retry-After: {retry}\r\n" : string.Empty)}" +
            $"Connection: close\r\n\r\n{body}");
        return ClientTransport.SendFinalAsync(context, ClientTransport.RawSocket(context), Encoding.UTF8.GetBytes(response), time);
    }
}
