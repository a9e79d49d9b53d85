using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace YarpEgress.Listeners.HttpConnect;

internal static class ConnectListenOptionsExtensions
{
    /// <summary>Answers CONNECT on this HTTP listener before Kestrel's HTTP parser sees it.</summary>
    public static ListenOptions UseConnectTunnels(this ListenOptions listen)
    {
        var middleware = listen.ApplicationServices.GetRequiredService<ConnectTunnelMiddleware>();
        listen.Use(next => context => middleware.OnConnectionAsync(context, next));
        return listen;
    }
}
