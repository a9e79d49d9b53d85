using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using YarpEgress.Addressing;
using YarpEgress.Diagnostics;
using YarpEgress.Telemetry;
using YarpEgress.Tunneling;
using YarpEgress.Upstream;

namespace YarpEgress.Proxying;

/// <summary>What CONNECT and SNI tunnels do once the gate allowed them: dial the plan, then relay and account.</summary>
internal sealed partial class TunnelStep(UpstreamConnector connector, TunnelRelay relay, ILogger<TunnelStep> logger)
{
    /// <summary>
    /// Dials the plan under the context's snapshot, cancelled when the client leaves or the drain ends. A failure is
    /// recorded on the session and returned, for the caller to answer; a cancelled dial returns neither.
    /// </summary>
    public async Task<(Socket? Upstream, UpstreamConnectException? Failure)> DialAsync(ProxyContext context, DialPlan plan)
    {
        var session = context.Session!;
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.ClientGone, context.Draining);
        try
        {
            var upstream = await connector.ConnectAsync(plan, context.Snapshot, aborted.Token);
            session.Opened(PeerOf(upstream, plan));
            LogOpened(logger, session.Id, session.Protocol, plan.Requested, session.Upstream);

            return (upstream, null);
        }
        catch (UpstreamConnectException ex)
        {
            session.ConnectFailed(ex.Failure.End, ex.Failure.MetricWord);
            LogUpstreamFailed(logger, session.Id, session.Protocol, plan.Requested, ex.Kind, LogText.Escape(ex.Message));
            return (null, ex);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            session.End = context.Draining.IsCancellationRequested ? ConnectionEnd.Drained : ConnectionEnd.ClientReset; // nobody is left to answer
            return (null, null);
        }
    }

    /// <summary>
    /// The dialed address. Reading it asks the kernel (getpeername), which fails once the upstream has reset the
    /// connection it just accepted: that is a refused connection, and the socket is closed here.
    /// </summary>
    private static string? PeerOf(Socket upstream, in DialPlan plan)
    {
        try
        {
            return upstream.RemoteEndPoint?.ToString();
        }
        catch (SocketException ex)
        {
            upstream.Dispose();
            throw new UpstreamConnectException(ConnectFailureKind.Refused, $"{plan.Requested} {UpstreamConnector.ResetAtOpen}", ex);
        }
    }

    /// <summary>
    /// Relays until both sides are done, then disposes the upstream socket and records how it ended. A client whose
    /// socket sits right under the caller (no TLS terminated in between) is detached and relayed socket to socket;
    /// one whose TLS the gateway terminated, through the TLS layer's pipes.
    /// </summary>
    public async Task RelayAsync(ProxyContext context, ConnectionContext client, bool rawClient, Socket upstream)
    {
        var session = context.Session!;
        using (upstream)
        {
            var limits = context.Snapshot.Timeouts;
            var timeouts = new TunnelTimeouts(limits.TunnelIdle, limits.TunnelLifetime);
            var result = rawClient
                ? await relay.RelayAsync(client, upstream, session, timeouts, context.Draining)
                : await relay.RelayTerminatedAsync(client, upstream, session, timeouts, context.Draining);
            session.End = ConnectionEndWords.Of(result.End);
            if (logger.IsEnabled(LogLevel.Debug))
            {
                LogEnded(logger, session.Id, session.Protocol, session.End.ToTag(), result.BytesFromClient, result.BytesFromUpstream, ErrorText(result.Error));
            }
        }
    }

    /// <summary>What ended a tunnel, in a word a log reader can search for: the socket error's name, else the exception's type.</summary>
    internal static string ErrorText(Exception? error) => error switch
    {
        null => "-",
        SocketException socket => socket.SocketErrorCode.ToString(),
        { InnerException: SocketException inner } => inner.SocketErrorCode.ToString(),
        _ => error.GetType().Name,
    };

    [LoggerMessage(EventId = LogEvents.TunnelOpened, EventName = nameof(LogEvents.TunnelOpened), Level = LogLevel.Debug, Message = "#{SessionId} {Protocol} {Destination} open to {Upstream}")]
    private static partial void LogOpened(ILogger logger, long sessionId, string protocol, Destination destination, string? upstream);

    [LoggerMessage(EventId = LogEvents.TunnelUpstreamFailed, EventName = nameof(LogEvents.TunnelUpstreamFailed), Level = LogLevel.Warning, Message = "#{SessionId} {Protocol} {Destination} failed ({Kind}): {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, long sessionId, string protocol, Destination destination, ConnectFailureKind kind, string reason);

    [LoggerMessage(EventId = LogEvents.TunnelEnded, EventName = nameof(LogEvents.TunnelEnded), Level = LogLevel.Debug, Message = "#{SessionId} {Protocol} tunnel ended {End} ({Error}) after {BytesFromClient} bytes up, {BytesFromUpstream} down")]
    private static partial void LogEnded(ILogger logger, long sessionId, string protocol, string end, long bytesFromClient, long bytesFromUpstream, string error);
}
