using System.Collections.Concurrent;
using YarpEgress.Configuration;
using YarpEgress.Routing;
using YarpEgress.Upstream;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// The invokers (and so the connection pools) made under one set of dial settings: the plain one, and one per route
/// that originates TLS or goes through a parent proxy. A reload that changes how destinations are dialed retires the
/// generation; it is disposed, closing its pooled connections, once the last request that took it is done.
/// </summary>
internal sealed class InvokerGeneration
{
    private readonly UpstreamConnector _connector;
    private readonly UpstreamHttpConnections _connections;
    private readonly EgressSnapshot _settings;
    private readonly ConcurrentDictionary<int, ForwardingInvoker> _routed = new();
    private readonly ForwardingInvoker _plain;
    private int _references = 1; // the owner's, until it retires this generation

    /// <param name="first">The snapshot that started the generation; every later one it serves dials the same way.</param>
    public InvokerGeneration(UpstreamConnector connector, UpstreamHttpConnections connections, EgressSnapshot first, string dialSettings)
    {
        _connector = connector;
        _connections = connections;
        _settings = first;
        DialSettings = dialSettings;
        _plain = new ForwardingInvoker(connector, connections, first);
    }

    /// <summary>What this generation was made under (see <see cref="ForwardingInvokers.DialSettingsOf"/>).</summary>
    public string DialSettings { get; }

    public HttpMessageInvoker Plain => _plain.Invoker;

    /// <summary>
    /// The invoker of a route that originates TLS or goes through a parent proxy. Keyed by the route's position: the
    /// routes are the same in every snapshot this generation serves (changing them starts a new generation), and a
    /// request only meets the generation of its own snapshot (<see cref="InvokerLease"/>).
    /// </summary>
    public HttpMessageInvoker For(EgressRoute route) =>
        _routed.GetOrAdd(route.Order, static (_, state) => state.Self.Create(state.Route), (Self: this, Route: route)).Invoker;

    private ForwardingInvoker Create(EgressRoute route) => new(_connector, _connections, _settings, route.UpstreamTls, route.Via);

    /// <summary>Takes a reference for one request; false once the generation is retired and drained.</summary>
    public bool TryAcquire()
    {
        var count = Volatile.Read(ref _references);
        while (count > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, count + 1, count);
            if (seen == count)
            {
                return true;
            }

            count = seen;
        }

        return false;
    }

    /// <summary>Drops a reference (a request's, or the owner's on retirement); the last one disposes every invoker.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        _plain.Dispose();
        foreach (var invoker in _routed.Values)
        {
            invoker.Dispose();
        }
    }
}
