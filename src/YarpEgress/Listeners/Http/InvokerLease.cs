using YarpEgress.Configuration;
using YarpEgress.Routing;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// One request's hold on a config snapshot and the <see cref="InvokerGeneration"/> made under its dial settings, taken
/// together: the request is decided and forwarded under one snapshot, and its pools stay open until it is done.
/// </summary>
internal readonly struct InvokerLease(EgressSnapshot snapshot, InvokerGeneration generation) : IDisposable
{
    public EgressSnapshot Snapshot => snapshot;

    public HttpMessageInvoker Plain => generation.Plain;

    /// <summary>The invoker of one of <see cref="Snapshot"/>'s routes that originates TLS or goes through a parent proxy.</summary>
    public HttpMessageInvoker For(EgressRoute route) => generation.For(route);

    public void Dispose() => generation.Release();
}
