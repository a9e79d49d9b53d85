using Microsoft.AspNetCore.Server.Kestrel.Core;
using YarpEgress.Configuration;
using YarpEgress.Listeners.HttpConnect;
using YarpEgress.Listeners.Limits;
using YarpEgress.Listeners.ProxyHeaders;
using YarpEgress.Listeners.Sni;

namespace YarpEgress.Listeners;

/// <summary>
/// Every listener kind's chain of connection stages, in the order a connection meets them. Each stage is an instance
/// built once per listener with its <c>next</c> and that listener's options (the Kestrel and Bedrock shape), so
/// nothing is passed on every call and nothing is looked up by name per connection.
/// </summary>
internal static class ListenerPipeline
{
    public static void Build(ListenOptions listen, ListenerOptions options, EgressSnapshot startup, IServiceProvider services)
    {
        var listener = ListenerInfo.For(options);
        var time = services.GetRequiredService<TimeProvider>();

        // How this listener refuses a connection before a protocol stage answers: a 503/400 response, or a TLS alert.
        var refuse = listener.IsSni ? ConnectionRefusals.TlsAlert(time) : ConnectionRefusals.Http(time);

        listen.Use(next => New<ProxyContextMiddleware>(services, next, listener).OnConnectionAsync);  // snapshot, client, drain
        listen.Use(next => New<ProxyHeaderMiddleware>(services, next, listener, refuse).OnConnectionAsync);
        listen.Use(next => New<ConnectionLimitMiddleware>(services, next, listener, new ConnectionCounts(), refuse).OnConnectionAsync);
        switch (listener.Kind)
        {
            case ListenerKind.HttpProxy:
                // CONNECT is answered here; anything else goes on to Kestrel's HTTP/1.1 and ForwardProxyHandler.
                listen.Use(next => New<ConnectMiddleware>(services, next).OnConnectionAsync);
                break;
            case ListenerKind.SniPassthrough:
                listen.Use(next => New<SniInspectMiddleware>(services, next, listener).OnConnectionAsync);
                listen.Use(_ => New<SniPassthroughHandler>(services).OnConnectionAsync);
                break;
            case ListenerKind.SniTerminate:
                listen.Use(next => New<SniInspectMiddleware>(services, next, listener).OnConnectionAsync);
                listen.UseHttps(SniTermination.Options(listener.Name, startup.TlsTermination[listener.Name], startup.Timeouts.ClientHello));
                listen.Use(_ => New<SniTerminatedHandler>(services).OnConnectionAsync);
                break;
        }
    }

    /// <summary>The admin listener: tagged, then Kestrel's HTTP/1.1 and the admin endpoints.</summary>
    public static void BuildAdmin(ListenOptions listen, string name)
    {
        var listener = ListenerInfo.Admin(name);
        listen.Use(next => connection =>
        {
            connection.Features.Set(listener);
            return next(connection);
        });
    }

    private static T New<T>(IServiceProvider services, params object[] arguments) => ActivatorUtilities.CreateInstance<T>(services, arguments);
}
