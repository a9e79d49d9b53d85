using System.Collections.Concurrent;
using YarpEgress.Configuration;
using YarpEgress.Policy;
using YarpEgress.Upstream;

namespace YarpEgress.Forwarding;

/// <summary>
/// The invokers plain HTTP is forwarded with, one per kind of upstream connection (YARP's "an HttpMessageInvoker per
/// cluster"): the shared plain one, and one per TLS-originating route, so each route's TLS settings get their own
/// connection pool. Route invokers are rebuilt after a reload.
/// </summary>
internal sealed class ForwardingInvokers : IDisposable
{
    private readonly UpstreamConnector _connector;
    private readonly ConcurrentDictionary<EgressRoute, ForwardingInvoker> _tls = new();

    public ForwardingInvokers(UpstreamConnector connector, EgressConfigStore config)
    {
        _connector = connector;
        Plain = new ForwardingInvoker(connector);
        // A reload compiles new route objects: drop the old invokers (not disposed, so requests in flight finish; their
        // pools close idle connections by themselves).
        config.Changed += _ => _tls.Clear();
    }

    public ForwardingInvoker Plain { get; }

    public HttpMessageInvoker ForTls(EgressRoute route) =>
        _tls.GetOrAdd(route, static (_, connector) => new ForwardingInvoker(connector, originateTls: true), _connector).Invoker;

    public void Dispose()
    {
        Plain.Dispose();
        foreach (var invoker in _tls.Values)
        {
            invoker.Dispose();
        }
    }
}
