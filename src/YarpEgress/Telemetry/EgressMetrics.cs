using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace YarpEgress.Telemetry;

/// <summary>
/// The gateway's one <see cref="Meter"/> and its instruments, exported at the admin listener's <c>/metrics</c>.
/// Plain-HTTP requests count as one connection each (protocol <c>http</c>), tunnels as one per tunnel. Bytes and active
/// connections are observed when scraped (<see cref="ObserveTraffic"/>): each session keeps its own counts on the data
/// path, and a scrape sums the live sessions with what closed ones left behind, so a scrape is true to the byte.
/// </summary>
internal sealed class EgressMetrics : IDisposable
{
    public const string MeterName = "YarpEgress";

    /// <summary>From a millisecond request to a day-long tunnel.</summary>
    private static readonly double[] DurationBuckets =
        [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400];

    private readonly Meter _meter;
    private Func<IReadOnlyDictionary<SessionLabels, TrafficTotals>>? _traffic;

    public EgressMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        Opened = _meter.CreateCounter<long>("egress.connections.opened", "{connection}", "Connections and plain-HTTP requests proxied to an upstream");
        Closed = _meter.CreateCounter<long>("egress.connections.closed", "{connection}", "Proxied connections and requests that ended, by how they ended");
        _meter.CreateObservableUpDownCounter("egress.connections.active", () => Observe(static t => t.Active), "{connection}", "Proxied connections and requests in progress");
        Duration = _meter.CreateHistogram("egress.connection.duration", "s", "Duration of proxied connections and requests",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _meter.CreateObservableCounter("egress.client.received_bytes", () => Observe(static t => t.FromClient), "By", "Bytes received from clients, true at scrape time");
        _meter.CreateObservableCounter("egress.client.sent_bytes", () => Observe(static t => t.ToClient), "By", "Bytes sent to clients, true at scrape time");
        Decisions = _meter.CreateCounter<long>("egress.policy.decisions", "{decision}", "Allowlist decisions, by outcome and rule");
        ConnectFailures = _meter.CreateCounter<long>("egress.upstream.connect_failures", "{failure}", "Upstream connects that failed, by kind");
        HttpResponses = _meter.CreateCounter<long>("egress.http.responses", "{response}", "Plain-HTTP responses sent to clients, by status code");
        ConfigReloads = _meter.CreateCounter<long>("egress.config.reloads", "{reload}", "Config reloads, by result");
        Rejected = _meter.CreateCounter<long>("egress.connections.rejected", "{connection}", "Connections refused at a connection limit, by which limit");
        ProxyAuth = _meter.CreateCounter<long>("egress.proxy.auth", "{attempt}", "Proxy credential checks, by result: ok (PBKDF2 passed), cached, failed, throttled, missing");
    }

    public Counter<long> Opened { get; }

    public Counter<long> Closed { get; }

    public Histogram<double> Duration { get; }

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

    /// <summary>Where the observed instruments read the traffic of every label set (live sessions plus closed ones).</summary>
    public void ObserveTraffic(Func<IReadOnlyDictionary<SessionLabels, TrafficTotals>> traffic) => _traffic = traffic;

    private IEnumerable<Measurement<long>> Observe(Func<TrafficTotals, long> value)
    {
        if (_traffic is not { } traffic)
        {
            return [];
        }

        var totals = traffic();
        var measurements = new List<Measurement<long>>(totals.Count);
        foreach (var (labels, total) in totals)
        {
            measurements.Add(new Measurement<long>(value(total), labels.ToTags()));
        }

        return measurements;
    }

    public void ConfigReloaded(bool success) => ConfigReloads.Add(1, new TagList { { "result", success ? "success" : "failure" } });

    public void Dispose() => _meter.Dispose();
}
