using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;
using YarpEgress.Addressing;
using YarpEgress.Authentication;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;
using YarpEgress.Upstream;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// Serves plain-HTTP requests on HTTP listeners: an absolute-form target (<c>GET http://host/path</c>, what
/// <c>HTTP_PROXY</c> clients send) or, unless the listener's <c>OriginForm</c> is <c>Refuse</c>, an origin-form one
/// routed by its <c>Host</c> (<c>GET /path</c>, what an Istio sidecar sends) is checked against the allowlist and
/// forwarded with YARP's <see cref="IHttpForwarder"/>; anything else is told, with a 400, that this is a proxy.
/// </summary>
internal sealed partial class ForwardProxyHandler(
    IHttpForwarder forwarder,
    ForwardingInvokers invokers,
    EgressHttpTransformer transformer,
    EgressGate gate,
    EgressTelemetry telemetry,
    DrainCoordinator drain,
    ILogger<ForwardProxyHandler> logger)
{
    private const string HttpScheme = "http://";
    private const string GatewayMethods = "GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, PATCH";

    public async Task InvokeAsync(HttpContext context)
    {
        // One snapshot for the whole request, and the pools dialed under its rules, held until the response is done.
        using var pools = invokers.Acquire();
        var listener = context.Features.Get<ListenerInfo>()?.Name ?? "-";
        var client = context.Connection.RemoteIpAddress is { } address ? new IPEndPoint(address, context.Connection.RemotePort) : null;
        var request = new ProxyContext(pools.Snapshot, listener, client, context.RequestAborted, drain.TunnelsClosing) { Method = context.Request.Method };
        context.Features.Set(request);
        using var session = request.Begin(telemetry, ProxyProtocol.Http);
        try
        {
            await ForwardAsync(context, request, pools);
        }
        finally
        {
            session.StatusCode = context.Response.StatusCode;
            context.Features.Get<RawConnectionHeader>()?.NextRequest();
        }
    }

    private async Task ForwardAsync(HttpContext context, ProxyContext request, InvokerLease pools)
    {
        var session = request.Session!;
        var snapshot = request.Snapshot;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty;
        var originForm = snapshot.SettingsOf(request.Listener).OriginForm == OriginFormMode.Forward;
        if (!TryGetDestination(context.Request.Method, target, context.Request.Headers.Host, originForm, out var destination, out var refusal))
        {
            session.Rejected(ConnectionEnd.BadRequest, requested: null);
            await WriteErrorAsync(context, refusal);
            return;
        }

        if (HeaderValueCheck.FindControlCharacter(context.Request.Headers) is { } badHeader)
        {
            session.Rejected(ConnectionEnd.BadRequest, destination);
            await WriteErrorAsync(context, ProxyError.BadRequest($"the value of header '{badHeader}' has a control character"));
            return;
        }

        string? credentials = context.Request.Headers.ProxyAuthorization;
        var authorization = await gate.AuthorizeAsync(request, destination, Credentials.Header(credentials, credentials is null ? null : ConnectionCredentials.Of(context)));
        if (!authorization.IsAllowed)
        {
            await WriteErrorAsync(context, authorization.Error);
            return;
        }

        if (MaxForwards.EndsHere(context.Request))
        {
            await AnswerAsFinalRecipientAsync(context, session);
            return;
        }

        CloseAfterFaultyFraming(context);

        // The plan, for the transformer and the ConnectCallback: a TLS or parent-proxy route has its own invoker; the
        // URI only keys the pool (TLS: the requested host on the dialed port) or is the absolute-form target sent to
        // the parent. A route that only changes the dialed address keeps the plain pools.
        var plan = authorization.Plan;
        request.Plan = plan;
        var invoker = pools.Plain;
        var prefix = HttpScheme + destination;
        if (plan.OriginatesTls || plan.Via is not null)
        {
            invoker = pools.For(plan.Route!);
            prefix = plan.OriginatesTls ? $"{HttpScheme}{destination.Host}:{plan.Target.Port}" : HttpScheme + plan.Target;
        }

        session.Opened(plan.Describe());

        context.Request.Body = new MeteredStream(context.Request.Body, session);
        context.Response.Body = new MeteredStream(context.Response.Body, session);

        // An upgrade (WebSocket) is a tunnel after its 101: its bytes are counted, it may idle for TunnelIdle (YARP's
        // activity timeout, which also bounds the wait for the 101) and lives at most TunnelLifetime.
        using var upgrade = context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgradable
            ? new UpgradedConnection(upgradable, session, context, telemetry.Time, snapshot.Timeouts.TunnelLifetime, request.Draining)
            : null;
        if (upgrade is not null)
        {
            context.Features.Set<IHttpUpgradeFeature>(upgrade);
        }

        var requestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = upgrade is null ? snapshot.Timeouts.HttpActivity : snapshot.Timeouts.TunnelIdle,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        DialedAddress.Current.Value = session; // this flow only: restored when this method returns
        var error = await forwarder.SendAsync(context, prefix, invoker, requestConfig, transformer);
        if (upgrade is { Upgraded: true })
        {
            UpgradeEnded(session, destination, upgrade, error);
        }
        else if (error != ForwarderError.None)
        {
            await ReportFailureAsync(context, session, destination, error);
        }
    }

    /// <summary>How an upgraded connection ended, named as a tunnel's end is: a side leaving is not a failure.</summary>
    private void UpgradeEnded(ProxySession session, Destination destination, UpgradedConnection upgrade, ForwarderError error)
    {
        session.End = upgrade.StopReason ?? error switch
        {
            ForwarderError.None => ConnectionEnd.Closed,
            ForwarderError.UpgradeActivityTimeout => ConnectionEnd.IdleTimeout,
            ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient => ConnectionEnd.ClientReset,
            ForwarderError.UpgradeRequestDestination or ForwarderError.UpgradeResponseDestination => ConnectionEnd.UpstreamReset,
            _ => ConnectionEnd.ClientClosed, // canceled: the client's connection went away
        };
        LogUpgradeEnded(logger, session.Id, destination, session.End.ToTag(), error);
    }

    /// <summary>
    /// RFC 9110 7.6.2: an OPTIONS or TRACE with <c>Max-Forwards: 0</c> is for the gateway itself. OPTIONS gets 200 with
    /// the methods the gateway serves; TRACE gets 405: its echo would hand back to the page that sent it the request's
    /// cookies and credentials (cross-site tracing), and nothing needs this gateway's own TRACE.
    /// </summary>
    private static Task AnswerAsFinalRecipientAsync(HttpContext context, ProxySession session)
    {
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            context.Response.StatusCode = 200;
            context.Response.Headers.Allow = GatewayMethods;
            context.Response.ContentLength = 0;
            return Task.CompletedTask;
        }

        session.End = ConnectionEnd.MethodNotAllowed;
        return WriteErrorAsync(context, new ProxyError(405, "http_request_denied", "this gateway does not answer TRACE itself (Max-Forwards: 0)"));
    }

    /// <summary>
    /// RFC 9112 6.1 and 6.3: after a request framed both by Transfer-Encoding and Content-Length (Kestrel keeps the
    /// former and moves the latter to X-Content-Length), or an HTTP/1.0 request with Transfer-Encoding, the connection
    /// is closed once the response is sent.
    /// </summary>
    private static void CloseAfterFaultyFraming(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.ContainsKey("Transfer-Encoding") && (HttpProtocol.IsHttp10(context.Request.Protocol) || headers.ContainsKey("X-Content-Length")))
        {
            context.Response.OnStarting(static state =>
            {
                ((HttpResponse)state).Headers.Connection = "close";
                return Task.CompletedTask;
            }, context.Response);
        }
    }

    /// <summary>Finds the destination of an absolute-form <c>http://</c> request target, or of an origin-form one by its Host.</summary>
    internal static bool TryGetDestination(string method, string target, StringValues host, bool forwardOriginForm, out Destination destination, out ProxyError refusal)
    {
        destination = default;
        refusal = default;
        if (HttpMethods.IsConnect(method))
        {
            refusal = ProxyError.BadRequest("CONNECT must be the first request on a connection to this proxy; open a new connection for it");
            return false;
        }

        if (forwardOriginForm && target.StartsWith('/'))
        {
            return OriginFormDestination.TryGet(host, out destination, out refusal);
        }

        if (!target.StartsWith(HttpScheme, StringComparison.OrdinalIgnoreCase))
        {
            refusal = ProxyError.BadRequest(target.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                ? "https:// targets go through a CONNECT tunnel, not as plain requests"
                : "this is an egress proxy: send absolute-form requests (GET http://host/path) or CONNECT host:port");
            return false;
        }

        var rest = target.AsSpan(HttpScheme.Length);
        var end = rest.IndexOfAny('/', '?', '#');
        var authority = end < 0 ? rest : rest[..end];
        if (authority.Contains('@'))
        {
            refusal = ProxyError.BadRequest("user information in the request target is not accepted");
            return false;
        }

        if (!Destination.TryParse(authority, defaultPort: 80, out destination, out var error))
        {
            refusal = ProxyError.BadRequest(error);
            return false;
        }

        return true;
    }

    private async Task ReportFailureAsync(HttpContext context, ProxySession session, Destination destination, ForwarderError error)
    {
        var exception = context.GetForwarderErrorFeature()?.Exception;
        var connectFailure = FindConnectFailure(exception);
        session.End = error switch
        {
            ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled => ConnectionEnd.ClientReset,
            ForwarderError.RequestTimedOut => ConnectionEnd.UpstreamTimeout,
            _ => ConnectionEnd.UpstreamError,
        };
        if (connectFailure is not null)
        {
            session.ConnectFailed(connectFailure.Failure.End, connectFailure.Failure.MetricWord);
        }

        LogForwardFailed(logger, session.Id, destination, error, LogText.Escape(connectFailure?.Message ?? exception?.Message));
        if (context.Response.HasStarted)
        {
            return;
        }

        var proxyError = connectFailure is not null
            ? ProxyError.From(connectFailure)
            : error == ForwarderError.RequestTimedOut
                ? new ProxyError(504, "http_response_timeout", $"{destination} did not answer in time")
                : new ProxyError(context.Response.StatusCode is >= 400 ? context.Response.StatusCode : 502, "http_protocol_error", $"forwarding to {destination} failed: {error}");
        await WriteErrorAsync(context, proxyError);
    }

    private static UpstreamConnectException? FindConnectFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is UpstreamConnectException failure)
            {
                return failure;
            }
        }

        return null;
    }

    private static Task WriteErrorAsync(HttpContext context, ProxyError error)
    {
        var body = Encoding.UTF8.GetBytes(error.Body);
        context.Response.Clear();
        context.Response.StatusCode = error.StatusCode;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        context.Response.Headers["Proxy-Status"] = error.ProxyStatusHeader;
        if (error.StatusCode == 407)
        {
            context.Response.Headers.ProxyAuthenticate = ProxyError.Challenge;
        }
        else if (error.StatusCode == 405)
        {
            context.Response.Headers.Allow = GatewayMethods;
        }

        if (error.RetryAfterSeconds is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return context.Response.Body.WriteAsync(body).AsTask();
    }

    [LoggerMessage(EventId = LogEvents.UpgradeEnded, EventName = nameof(LogEvents.UpgradeEnded), Level = LogLevel.Debug, Message = "#{SessionId} upgraded connection to {Destination} ended: {End} ({Error})")]
    private static partial void LogUpgradeEnded(ILogger logger, long sessionId, Destination destination, string end, ForwarderError error);

    [LoggerMessage(EventId = LogEvents.ForwardFailed, EventName = nameof(LogEvents.ForwardFailed), Level = LogLevel.Warning, Message = "#{SessionId} forwarding to {Destination} failed ({Error}): {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, long sessionId, Destination destination, ForwarderError error, string? reason);
}
