using System.Diagnostics;
using YarpEgress.Addressing;
using YarpEgress.Policy;
using YarpEgress.Policy.Clients;
using YarpEgress.Tunneling;

namespace YarpEgress.Telemetry;

/// <summary>
/// One proxied connection or plain-HTTP request, from the moment the gateway knows what it is to its end: it feeds
/// the metrics as things happen, keeps its byte counts (read by <c>/metrics</c> and <c>/connections</c> when asked, so
/// both are true while bytes flow), and writes the access-log event when disposed.
/// </summary>
internal sealed class ProxySession : ITunnelMeter, IDisposable
{
    private readonly EgressTelemetry _owner;
    private readonly long _startTimestamp;
    private TagList _tags;
    private SessionLabels? _labels;
    private bool _opened;
    private long _fromClient;
    private long _toClient;
    private int _disposed;

    public ProxySession(EgressTelemetry owner, long id, string listener, string protocol, string client)
    {
        _owner = owner;
        Id = id;
        Listener = listener;
        Protocol = protocol;
        Client = client;
        StartTime = owner.Time.GetUtcNow();
        _startTimestamp = owner.Time.GetTimestamp();
    }

    public long Id { get; }

    public string Listener { get; }

    public string Protocol { get; set; }

    public string Client { get; }

    public DateTimeOffset StartTime { get; }

    public string? Host { get; private set; }

    public int Port { get; private set; }

    /// <summary>The host as written in an authority: an IPv6 address in brackets (<c>[::1]</c>).</summary>
    public string? HostLiteral => Host is { } host && host.Contains(':') ? $"[{host}]" : Host;

    /// <summary>
    /// ALPN: the client's offers in its order, comma-separated, where the gateway only relays its TLS; the protocol
    /// negotiated with the gateway where it terminates TLS (null: none).
    /// </summary>
    public string? Alpn { get; set; }

    /// <summary>The client's pod, when the Kubernetes pod index knows its address (looked up when the session began).</summary>
    public WorkloadIdentity? Workload { get; init; }

    /// <summary>The <c>Egress:Clients</c> name the connection was recognised as, if any.</summary>
    public string? ClientName { get; private set; }

    public string? Upstream { get; private set; }

    public string Decision { get; private set; } = "none";

    public string? Rule { get; private set; }

    public int? StatusCode { get; set; }

    /// <summary>How it ended; its word (<see cref="ConnectionEndWords.ToTag"/>) goes to the metrics and the access log.</summary>
    public ConnectionEnd End { get; set; } = ConnectionEnd.Closed;

    public long BytesFromClient => Volatile.Read(ref _fromClient);

    public long BytesToClient => Volatile.Read(ref _toClient);

    /// <summary>The label set its traffic counts under, once a decision or refusal gave it one.</summary>
    public SessionLabels? MetricLabels => Volatile.Read(ref _labels);

    /// <summary>Opened to an upstream and not yet ended: counted in <c>egress.connections.active</c>.</summary>
    public bool IsOpen => Volatile.Read(ref _opened) && Volatile.Read(ref _disposed) == 0;

    public TimeSpan Age => _owner.Time.GetElapsedTime(_startTimestamp);

    /// <summary>
    /// Records the allowlist's answer for this connection's client (decided by the caller): the client name and the
    /// decision go to the metrics and the access log; only an allowed destination gets its (capped) host as a label.
    /// </summary>
    public void Record(in PolicyDecision decision, ClientPolicy? client)
    {
        ClientName = client?.Name;
        Host = decision.Destination.Host;
        Port = decision.Destination.Port;
        Decision = decision.Name;
        Rule = decision.Rule?.Description;
        // Refused traffic keeps neither host nor port as a label: both are the requester's to choose.
        SetLabels(decision.IsAllowed ? _owner.Labels.For(Host, Port) : DestinationLabels.Denied);
        _owner.Metrics.Decisions.Add(1, new TagList
        {
            { "listener", Listener },
            { "protocol", Protocol },
            { "decision", Decision },
            { "rule", Rule ?? "no_match" },
        });
        if (!decision.IsAllowed)
        {
            End = ConnectionEnd.Denied;
        }

        _owner.Insights.Decided(this, decision);
    }

    /// <summary>Refused before the allowlist was asked (no usable credentials): the destination is known, no label for it.</summary>
    public void Rejected(ConnectionEnd end, in Destination requested)
    {
        Port = requested.Port;
        Rejected(end, requested.Host);
    }

    /// <summary>Something the client sent could not be used (bad head, bad name); no destination label.</summary>
    public void Rejected(ConnectionEnd end, string? requested)
    {
        End = end;
        Host ??= requested;
        SetLabels(DestinationLabels.Invalid);
    }

    private void SetLabels(DestinationLabel destination)
    {
        var labels = _owner.LabelsOf(this, destination);
        _tags = labels.ToTags();
        Volatile.Write(ref _labels, labels);
    }

    /// <summary>The upstream is connected (tunnels) or the request is being forwarded (plain HTTP).</summary>
    public void Opened(string? upstream)
    {
        Upstream = upstream;
        Volatile.Write(ref _opened, true);
        _owner.Metrics.Opened.Add(1, _tags);
    }

    public void Dialed(string? upstream) => Upstream = upstream;

    /// <summary>The dial failed: how the connection so ends, and the failure's metric word (<c>dns</c>, <c>refused</c>, ...).</summary>
    public void ConnectFailed(ConnectionEnd end, string kind)
    {
        End = end;
        var tags = _tags;
        tags.Add("kind", kind);
        _owner.Metrics.ConnectFailures.Add(1, tags);
        if (end == ConnectionEnd.UpstreamAddressDenied && Host is { } host)
        {
            _owner.Insights.Seen.AddressRefused(ClientName, host);
        }
    }

    /// <summary>Data path: one interlocked add per chunk, nothing allocated; scrapes read the sum.</summary>
    public void FromClient(int bytes) => Interlocked.Add(ref _fromClient, bytes);

    public void ToClient(int bytes) => Interlocked.Add(ref _toClient, bytes);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _owner.Retire(this);
        _owner.Insights.Ended(this);
        var elapsed = Age;
        if (_opened)
        {
            var closed = _tags;
            closed.Add("end", End.ToTag());
            _owner.Metrics.Closed.Add(1, closed);
            _owner.Metrics.Duration.Record(elapsed.TotalSeconds, _tags);
        }

        if (Protocol == ProxyProtocol.Http && StatusCode is { } status && _labels is not null)
        {
            var response = _tags;
            response.Add("status_code", status);
            _owner.Metrics.HttpResponses.Add(1, response);
        }

        _owner.Finished(this, elapsed);
    }
}
