using System.Collections.Concurrent;
using YarpEgress.Configuration;
using YarpEgress.Policy;
using YarpEgress.Upstream;

namespace YarpEgress.Forwarding;

/// <summary>
/// The invokers plain HTTP is forwarded with, one per kind of upstream connection (YARP's "an HttpMessageInvoker per
/// cluster"): the shared plain one, and one per route that originates TLS or goes through a parent proxy, so each such
/// route gets its own connection pool. Route invokers are rebuilt after a reload.
/// </summary>
internal sealed class ForwardingInvokers : IDisposable
{
    private readonly UpstreamConnector _connector;
    private readonly ConcurrentDictionary<EgressRoute, ForwardingInvoker> _routed = new();

    public ForwardingInvokers(UpstreamConnector connector, EgressConfigStore config)
    {
        _connector = connector;
        Plain = new ForwardingInvoker(connector);
        // A reload compiles new route objects: drop the old invokers (not disposed, so requests in flight finish; their
        // pools close idle connections by themselves).
        config.Changed += _ => _routed.Clear();
    }

    public ForwardingInvoker Plain { get; }

    /// <summary>The invoker of a route that originates TLS or goes through a parent proxy.</summary>
    public HttpMessageInvoker For(EgressRoute route) =>
        _routed.GetOrAdd(route, static (route, connector) => new ForwardingInvoker(connector, route.UpstreamTls, route.Via), _connector).Invoker;

    public void Dispose()
    {
        Plain.Dispose();
        foreach (var invoker in _routed.Values)
        {
            invoker.Dispose();
        }
    }
}
