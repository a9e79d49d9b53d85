namespace YarpEgress.Diagnostics;

/// <summary>
/// Every log event id of the gateway, in one place, as YARP's <c>EventIds</c> and Kestrel's named events. Each
/// <c>[LoggerMessage]</c> names its id here and uses the constant's name as its <c>EventName</c>
/// (<c>EventId = LogEvents.X, EventName = nameof(LogEvents.X)</c>), so an id is taken once, and a log pipeline can
/// filter on a name that says what happened. Ids are stable: operators alert on them. A range belongs to one part of
/// the gateway; a new event takes the next free id of its part's range, and a new part a fresh range.
/// </summary>
internal static class LogEvents
{
    // 10-19: start-up and the process (Hosting).
    public const int ListenerStarted = 10;
    public const int PolicyLoaded = 11;
    public const int ConfigFileLoaded = 12;
    public const int MemoryTrimmed = 13;

    // 100-119: configuration reloads (Configuration).
    public const int ConfigReloaded = 100;
    public const int ConfigReloadRejected = 101;
    public const int ConfigError = 102;
    public const int ListenersNeedRestart = 103;
    public const int ConfigStillRejected = 104;

    // 200-249: CONNECT (Listeners/HttpConnect).
    public const int ConnectDenied = 201;
    public const int ConnectSniCheckFailed = 205;

    // 250-279: tunnels, dialed and relayed (Proxying, Tunneling).
    public const int TunnelOpened = 250;
    public const int TunnelUpstreamFailed = 251;
    public const int SpliceFault = 260;
    public const int SpliceUnavailable = 261;
    public const int TunnelEnded = 270;

    // 300-399: dialing upstreams (Upstream).
    public const int DialFailed = 300;
    public const int AddressRefused = 301;

    // 400-499: plain HTTP forwarding (Listeners/Http).
    public const int HttpDenied = 400;
    public const int ForwardFailed = 401;
    public const int UpgradeEnded = 410;

    // 500-599: SNI listeners (Listeners/Sni).
    public const int BadClientHello = 500;
    public const int SniRefused = 501;

    // 600: the access log, one event per finished request or connection (Telemetry; category YarpEgress.AccessLog).
    public const int Access = 600;

    // 700-799: connection limits (Listeners/Limits).
    public const int ConnectionLimitReached = 700;

    // 800-899: proxy authentication (Authentication).
    public const int CredentialsBackedOff = 800;

    // 900-999: PROXY protocol headers from load balancers (Listeners/ProxyHeaders).
    public const int ProxyHeaderRefused = 900;

    // 1000-1019: workload identity, the pod watch (Kubernetes).
    public const int KubernetesPodsListed = 1000;
    public const int KubernetesWatchFailed = 1001;
    public const int KubernetesWatchGone = 1002;
    public const int KubernetesWatchResumed = 1003;
    public const int KubernetesIndexExpired = 1004;
    public const int KubernetesWatchStarted = 1005;

    // 1100-1119: the admin page's records and the allowlist suggested from traffic (Telemetry/Insights).
    public const int SuggestNamesCapReached = 1100;

    // 1200-1219: the core connection path (Listeners, Proxying).
    public const int SniNameRefused = 1200;
}
