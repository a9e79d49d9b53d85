using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace YarpEgress.Telemetry;

/// <summary>
/// The gateway's one <see cref="Meter"/> and its instruments, exported at the admin listener's <c>/metrics</c>.
/// Plain-HTTP requests count as one connection each (protocol <c>http</c>), tunnels as one per tunnel.
/// </summary>
internal sealed class EgressMetrics : IDisposable
{
    public const string MeterName = "YarpEgress";

    /// <summary>From a millisecond request to a day-long tunnel.</summary>
    private static readonly double[] DurationBuckets =
        [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400];

    private readonly Meter _meter;

    public EgressMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        Opened = _meter.CreateCounter<long>("egress.connections.opened", "{connection}", "Connections and plain-HTTP requests proxied to an upstream");
        Closed = _meter.CreateCounter<long>("egress.connections.closed", "{connection}", "Proxied connections and requests that ended, by how they ended");
        Active = _meter.CreateUpDownCounter<long>("egress.connections.active", "{connection}", "Proxied connections and requests in progress");
        Duration = _meter.CreateHistogram("egress.connection.duration", "s", "Duration of proxied connections and requests",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        ReceivedBytes = _meter.CreateCounter<long>("egress.client.received_bytes", "By", "Bytes received from clients, counted as they flow");
        SentBytes = _meter.CreateCounter<long>("egress.client.sent_bytes", "By", "Bytes sent to clients, counted as they flow");
        Decisions = _meter.CreateCounter<long>("egress.policy.decisions", "{decision}", "Allowlist decisions, by outcome and rule");
        ConnectFailures = _meter.CreateCounter<long>("egress.upstream.connect_failures", "{failure}", "Upstream connects that failed, by kind");
        HttpResponses = _meter.CreateCounter<long>("egress.http.responses", "{response}", "Plain-HTTP responses sent to clients, by status code");
        ConfigReloads = _meter.CreateCounter<long>("egress.config.reloads", "{reload}", "Config reloads, by result");
        Rejected = _meter.CreateCounter<long>("egress.connections.rejected", "{connection}", "Connections refused at a connection limit, by which limit");
        ProxyAuth = _meter.CreateCounter<long>("egress.proxy.auth", "{attempt}", "Proxy credential checks, by result: ok (PBKDF2 passed), cached, failed, throttled, missing");
    }

    public Counter<long> Opened { get; }

    public Counter<long> Closed { get; }

    public UpDownCounter<long> Active { get; }

    public Histogram<double> Duration { get; }

    public Counter<long> ReceivedBytes { get; }

    public Counter<long> SentBytes { get; }

    public Counter<long> Decisions { get; }

    public Counter<long> ConnectFailures { get; }

    public Counter<long> HttpResponses { get; }

    public Counter<long> ConfigReloads { get; }

    public Counter<long> Rejected { get; }

    /// <summary>The open upstream connections of plain-HTTP forwarding (pooled idle or serving a request), read at each scrape.</summary>
    public void ObserveUpstreamHttpConnections(Func<long> open) =>
        _meter.CreateObservableGauge("egress.upstream.http_connections", open, "{connection}", "Open plain-HTTP upstream connections, pooled or in use");

    public Counter<long> ProxyAuth { get; }

    /// <param name="result">ok, cached, failed, throttled or missing: a fixed set, never a user name.</param>
    public void ProxyAuthenticated(string result) => ProxyAuth.Add(1, new KeyValuePair<string, object?>("result", result));

    public void ConfigReloaded(bool success) => ConfigReloads.Add(1, new TagList { { "result", success ? "success" : "failure" } });

    public void Dispose() => _meter.Dispose();
}
