using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace YarpEgress.Listeners.Limits;

internal static class LimitsListenOptionsExtensions
{
    /// <summary>Applies the per-listener and per-client connection limits before anything else reads the connection.</summary>
    public static ListenOptions UseConnectionLimits(this ListenOptions listen, string listener, bool tls)
    {
        var limiter = listen.ApplicationServices.GetRequiredService<ConnectionLimiter>();
        listen.Use(next => context => limiter.OnConnectionAsync(context, next, listener, tls));
        return listen;
    }
}
