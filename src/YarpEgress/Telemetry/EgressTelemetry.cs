using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using YarpEgress.Configuration;

namespace YarpEgress.Telemetry;

/// <summary>Starts <see cref="ProxySession"/>s, keeps the live ones for <c>/connections</c>, and writes the access log.</summary>
internal sealed class EgressTelemetry
{
    private readonly EgressConfigStore _config;
    private readonly ILogger _accessLog;
    private readonly ConcurrentDictionary<long, ProxySession> _live = new();
    private long _nextId;

    public EgressTelemetry(EgressMetrics metrics, EgressConfigStore config, TimeProvider time, ILoggerFactory loggers)
    {
        Metrics = metrics;
        Time = time;
        _config = config;
        _accessLog = loggers.CreateLogger(AccessLog.Category);
        Labels = new DestinationLabels(() => config.Current.Options.Telemetry.MaxDestinationLabels);
        config.Changed += _ => metrics.ConfigReloaded(success: true);
        config.Rejected += _ => metrics.ConfigReloaded(success: false);
    }

    public EgressMetrics Metrics { get; }

    public TimeProvider Time { get; }

    public DestinationLabels Labels { get; }

    public ProxySession Begin(string listener, string protocol, EndPoint? client)
    {
        var session = new ProxySession(this, Interlocked.Increment(ref _nextId), listener, protocol, client?.ToString() ?? "-");
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

    internal TagList BaseTags(ProxySession session, DestinationLabel destination)
    {
        var tags = new TagList
        {
            { "listener", session.Listener },
            { "protocol", session.Protocol },
            { "destination_host", destination.Host },
            { "destination_port", destination.Port },
            { "client", session.ClientName ?? "-" },
        };
        if (_config.Current.Options.Telemetry.ClientAddressLabel)
        {
            tags.Add("client_address", ClientAddress(session.Client));
        }

        return tags;
    }

    internal void Finished(ProxySession session, TimeSpan elapsed)
    {
        _live.TryRemove(session.Id, out _);
        if (!_accessLog.IsEnabled(LogLevel.Information))
        {
            return;
        }

        // The requested host and the ALPN are the client's bytes (raw when the request was unusable): escaped, as in every event.
        AccessLog.Write(_accessLog, session.Protocol, session.Listener, session.Client, session.ClientName ?? "-", LogText.Escape(session.Host), session.Port, session.Decision, session.Rule,
            session.StatusCode, LogText.Escape(session.Upstream), LogText.Escape(session.Alpn), session.BytesFromClient, session.BytesToClient, Math.Round(elapsed.TotalMilliseconds, 3),
            session.End, session.StartTime);
    }

    private static string ClientAddress(string client) =>
        IPEndPoint.TryParse(client, out var endPoint) ? endPoint.Address.ToString() : client;
}
