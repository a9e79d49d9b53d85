using System.Text.Json;
using YarpEgress.Configuration;
using YarpEgress.Telemetry;
using YarpEgress.Upstream;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// The invokers plain HTTP is forwarded with (YARP's "an HttpMessageInvoker per cluster"), as one
/// <see cref="InvokerGeneration"/> per set of dial settings. A pooled connection was dialed under the SSRF guard, pins,
/// routes and DNS settings of its time, so a reload that changes any of them starts a new generation: no request after
/// it reuses an old connection, and the old pools close once their last request is done. The composition root hands it
/// every reloaded snapshot (<see cref="Reloaded"/>).
/// </summary>
internal sealed class ForwardingInvokers : IDisposable
{
    private readonly UpstreamConnector _connector;
    private readonly UpstreamHttpConnections _connections = new();
    private readonly Lock _swap = new();
    private volatile Current _current;

    private bool _disposed;

    /// <param name="initial">The snapshot the gateway starts with.</param>
    public ForwardingInvokers(UpstreamConnector connector, EgressSnapshot initial, EgressMetrics metrics)
    {
        _connector = connector;
        _current = new Current(initial, new InvokerGeneration(connector, _connections, initial, DialSettingsOf(initial.Options)));
        metrics.ObserveUpstreamHttpConnections(() => _connections.Open);
    }

    public UpstreamHttpConnections Connections => _connections;

    /// <summary>
    /// The current snapshot and its generation, held until the lease is disposed (when the request and its response are
    /// done). Taken as a pair, so a request never meets pools dialed under other rules than the ones it was decided by.
    /// </summary>
    public InvokerLease Acquire()
    {
        while (true)
        {
            var current = _current;
            if (current.Generation.TryAcquire())
            {
                return new InvokerLease(current.Snapshot, current.Generation);
            }
        }
    }

    /// <summary>
    /// Everything a pooled connection depends on, as text: the private ranges the SSRF guard lets through, the pins, the
    /// routes, DNS, the connect deadlines, and the pool's own settings. Equal text, same generation.
    /// </summary>
    internal static string DialSettingsOf(EgressOptions options) => JsonSerializer.Serialize(new
    {
        options.PrivateNetworks,
        options.Hosts,
        options.Routes,
        options.Dns,
        options.Timeouts.Connect,
        options.Timeouts.ConnectAttempt,
        options.Limits.MaxUpstreamHttpConnectionsPerDestination,
        options.Timeouts.UpstreamHttpIdle,
    });

    /// <summary>A reload: the new rules with the same pools, or a new generation when the dial settings changed.</summary>
    public void Reloaded(EgressSnapshot snapshot)
    {
        var settings = DialSettingsOf(snapshot.Options);
        InvokerGeneration retired;
        lock (_swap)
        {
            if (_disposed)
            {
                return;
            }

            retired = _current.Generation;
            if (settings == retired.DialSettings)
            {
                _current = new Current(snapshot, retired); // same pools, the new rules
                return;
            }

            _current = new Current(snapshot, new InvokerGeneration(_connector, _connections, snapshot, settings));
        }

        retired.Release();
    }

    public void Dispose()
    {
        lock (_swap)
        {
            _disposed = true;
        }

        _current.Generation.Release();
    }

    /// <summary>The snapshot requests are served under, and the generation its dial settings made.</summary>
    private sealed record Current(EgressSnapshot Snapshot, InvokerGeneration Generation);
}
