using YarpEgress.Policy;

namespace YarpEgress.Forwarding;

/// <summary>One request's hold on the current <see cref="InvokerGeneration"/>: its pools stay open until the request is done.</summary>
internal readonly struct InvokerLease(InvokerGeneration generation) : IDisposable
{
    public HttpMessageInvoker Plain => generation.Plain;

    public HttpMessageInvoker For(EgressRoute route) => generation.For(route);

    public void Dispose() => generation.Release();
}
