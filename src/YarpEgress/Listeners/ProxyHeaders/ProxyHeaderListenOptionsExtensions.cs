using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace YarpEgress.Listeners.ProxyHeaders;

internal static class ProxyHeaderListenOptionsExtensions
{
    /// <summary>
    /// Reads the PROXY protocol header of trusted load balancers (and refuses one from anyone else) before anything
    /// else, the connection limits included, looks at who the client is.
    /// </summary>
    public static ListenOptions UseProxyHeaders(this ListenOptions listen, string listener, bool tls)
    {
        var middleware = listen.ApplicationServices.GetRequiredService<ProxyHeaderMiddleware>();
        listen.Use(next => context => middleware.OnConnectionAsync(context, next, listener, tls));
        return listen;
    }
}
