using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Policy.Clients;
using YarpEgress.Telemetry.Insights;

namespace YarpEgress.Telemetry;

/// <summary>Starts <see cref="ProxySession"/>s, keeps the live ones for <c>/connections</c>, and writes the access log.</summary>
internal sealed class EgressTelemetry
{
    private readonly EgressConfigStore _config;
    private readonly ILogger _accessLog;
    private readonly ConcurrentDictionary<long, ProxySession> _live = new();
    private readonly Dictionary<SessionLabels, TrafficTotals> _closed = [];
    private readonly Lock _gate = new();
    private readonly IWorkloadIdentities? _workloads;
    private readonly WorkloadLabels? _workloadLabels;
    private long _nextId;

    /// <param name="workloads">The pod index, with <c>Egress:Kubernetes:Enabled</c> (bound at start-up); metrics then carry the client's namespace and workload.</param>
    public EgressTelemetry(EgressMetrics metrics, EgressConfigStore config, TimeProvider time, ILoggerFactory loggers, IWorkloadIdentities? workloads = null)
    {
        if (config.Bound.Kubernetes.Enabled && workloads is not null)
        {
            _workloads = workloads;
            _workloadLabels = new WorkloadLabels(() => config.Current.Options.Telemetry.MaxWorkloadLabels);
        }

        Metrics = metrics;
        Time = time;
        _config = config;
        _accessLog = loggers.CreateLogger(AccessLog.Category);
        Labels = new DestinationLabels(() => config.Current.Options.Telemetry.MaxDestinationLabels);
        Insights = new TrafficInsights(() => config.Current.Options.Suggest.MaxNames, time, loggers.CreateLogger<TrafficInsights>());
        config.Changed += _ =>
        {
            metrics.ConfigReloaded(success: true);
            Insights.Config.Loaded();
        };
        config.Rejected += errors =>
        {
            metrics.ConfigReloaded(success: false);
            Insights.Config.Rejected(errors.Count);
        };
        metrics.ObserveTraffic(Traffic);
    }

    public EgressMetrics Metrics { get; }

    public TimeProvider Time { get; }

    public DestinationLabels Labels { get; }

    /// <summary>The bounded records the admin page and the allowlist suggestion read.</summary>
    public TrafficInsights Insights { get; }

    public ProxySession Begin(string listener, string protocol, EndPoint? client)
    {
        var session = new ProxySession(this, Interlocked.Increment(ref _nextId), listener, protocol, client?.ToString() ?? "-")
        {
            Workload = _workloads?.Find((client as IPEndPoint)?.Address),
        };
        _live[session.Id] = session;
        return session;
    }

    /// <summary>The live sessions, newest first, at most <c>Egress:Telemetry:MaxListedConnections</c>.</summary>
    public IReadOnlyList<ProxySession> Live()
    {
        var max = _config.Current.Options.Telemetry.MaxListedConnections;
        return [.. _live.Values.OrderByDescending(s => s.Id).Take(max)];
    }

    public int LiveCount => _live.Count;

    /// <summary>Every live session, not capped (a copy), for totals that include live traffic.</summary>
    public ICollection<ProxySession> AllLive => _live.Values;

    internal SessionLabels LabelsOf(ProxySession session, DestinationLabel destination)
    {
        var labels = new SessionLabels(session.Listener, session.Protocol, destination.Host, destination.Port, session.ClientName ?? "-",
            _config.Current.Options.Telemetry.ClientAddressLabel ? ClientAddress(session.Client) : null);
        if (_workloadLabels is null)
        {
            return labels;
        }

        var (ns, workload) = _workloadLabels.For(session.Workload);
        return labels with { ClientNamespace = ns, ClientWorkload = workload };
    }

    /// <summary>
    /// A session ends: its bytes move to its label set's closed total and it leaves the live list in one step, so no
    /// scrape counts them twice or not at all (the counters never go back).
    /// </summary>
    internal void Retire(ProxySession session)
    {
        lock (_gate)
        {
            if (session.MetricLabels is { } labels)
            {
                if (!_closed.TryGetValue(labels, out var totals))
                {
                    _closed[labels] = totals = new TrafficTotals();
                }

                totals.FromClient += session.BytesFromClient;
                totals.ToClient += session.BytesToClient;
            }

            _live.TryRemove(session.Id, out _);
        }
    }

    /// <summary>
    /// Per label set, at this instant: the bytes of closed sessions plus those of live ones, and how many live ones are
    /// open (0 for label sets with none left, so the gauge falls back to 0 instead of vanishing).
    /// </summary>
    private Dictionary<SessionLabels, TrafficTotals> Traffic()
    {
        lock (_gate)
        {
            var traffic = new Dictionary<SessionLabels, TrafficTotals>(_closed.Count + _live.Count);
            foreach (var (labels, closed) in _closed)
            {
                traffic[labels] = new TrafficTotals { FromClient = closed.FromClient, ToClient = closed.ToClient };
            }

            foreach (var session in _live.Values)
            {
                if (session.MetricLabels is not { } labels)
                {
                    continue;
                }

                if (!traffic.TryGetValue(labels, out var totals))
                {
                    traffic[labels] = totals = new TrafficTotals();
                }

                totals.FromClient += session.BytesFromClient;
                totals.ToClient += session.BytesToClient;
                totals.Active += session.IsOpen ? 1 : 0;
            }

            return traffic;
        }
    }

    internal void Finished(ProxySession session, TimeSpan elapsed)
    {
        if (!_accessLog.IsEnabled(LogLevel.Information))
        {
            return;
        }

        // The requested host and the ALPN are the client's bytes (raw when the request was unusable): escaped, as in every event.
        var pod = session.Workload;
        AccessLog.Write(_accessLog, session.Protocol, session.Listener, session.Client, session.ClientName ?? "-", LogText.Escape(session.HostLiteral), session.Port, session.Decision, session.Rule,
            session.StatusCode, LogText.Escape(session.Upstream), LogText.Escape(session.Alpn), session.BytesFromClient, session.BytesToClient, Math.Round(elapsed.TotalMilliseconds, 3),
            session.End.ToTag(), session.StartTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            pod?.Namespace ?? "-", pod?.Pod ?? "-", pod?.Workload ?? "-", pod?.ServiceAccount ?? "-");
    }

    private static string ClientAddress(string client) =>
        IPEndPoint.TryParse(client, out var endPoint) ? endPoint.Address.ToString() : client;
}
