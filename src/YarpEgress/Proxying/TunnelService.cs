using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using YarpEgress.Addressing;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Listeners;
using YarpEgress.Telemetry;
using YarpEgress.Tunneling;
using YarpEgress.Upstream;

namespace YarpEgress.Proxying;

/// <summary>The part CONNECT and SNI tunnels share once a destination is allowed: dial it, then relay and account.</summary>
internal sealed partial class TunnelService(
    UpstreamConnector connector,
    ITunnelCopier copier,
    DrainCoordinator drain,
    EgressConfigStore config,
    ILogger<TunnelService> logger)
{
    /// <summary>Dials the destination; a failure is recorded on the session and returned, for the caller to answer.</summary>
    public async Task<(Socket? Upstream, UpstreamConnectException? Failure)> DialAsync(ProxySession session, Destination destination)
    {
        try
        {
            var upstream = await connector.ConnectAsync(destination, drain.TunnelsClosing);
            session.Opened(PeerOf(upstream, destination));
            LogOpened(logger, session.Id, session.Protocol, destination, session.Upstream);
            return (upstream, null);
        }
        catch (UpstreamConnectException ex)
        {
            session.ConnectFailed(ex);
            LogUpstreamFailed(logger, session.Id, session.Protocol, destination, ex.Kind, LogText.Escape(ex.Message));
            return (null, ex);
        }
    }

    /// <summary>
    /// The dialed address. Reading it asks the kernel (getpeername), which fails once the upstream has reset the
    /// connection it just accepted: that is a refused connection, and the socket is closed here.
    /// </summary>
    private static string? PeerOf(Socket upstream, Destination destination)
    {
        try
        {
            return upstream.RemoteEndPoint?.ToString();
        }
        catch (SocketException ex)
        {
            upstream.Dispose();
            throw new UpstreamConnectException(ConnectFailureKind.Refused, $"{destination} {UpstreamConnector.ResetAtOpen}", ex);
        }
    }

    /// <summary>Relays until both sides are done, then disposes the upstream socket and records how it ended.</summary>
    public async Task RelayAsync(ConnectionContext client, Socket? clientSocket, Socket upstream, ProxySession session)
    {
        using (upstream)
        {
            var timeouts = config.Current.Timeouts;
            var result = await copier.RelayAsync(client, clientSocket, upstream, session, new TunnelTimeouts(timeouts.TunnelIdle, timeouts.TunnelLifetime), drain.TunnelsClosing);
            session.End = ConnectionEndWords.Of(result.End);
        }
    }

    [LoggerMessage(EventId = LogEvents.TunnelOpened, EventName = nameof(LogEvents.TunnelOpened), Level = LogLevel.Debug, Message = "#{SessionId} {Protocol} {Destination} open to {Upstream}")]
    private static partial void LogOpened(ILogger logger, long sessionId, string protocol, Destination destination, string? upstream);

    [LoggerMessage(EventId = LogEvents.TunnelUpstreamFailed, EventName = nameof(LogEvents.TunnelUpstreamFailed), Level = LogLevel.Warning, Message = "#{SessionId} {Protocol} {Destination} failed ({Kind}): {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, long sessionId, string protocol, Destination destination, ConnectFailureKind kind, string reason);
}
