using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using YarpEgress.Configuration;
using YarpEgress.Errors;
using YarpEgress.Policy;
using YarpEgress.Sni;
using YarpEgress.Tunneling;
using YarpEgress.Upstream;

namespace YarpEgress.Connect;

/// <summary>
/// A Kestrel connection middleware on HTTP listeners that answers CONNECT itself: neither Kestrel nor YARP tunnels
/// CONNECT, and Kestrel refuses <c>CONNECT host:443</c> whose Host header lacks the port (as Java and Python send it).
/// It peeks at the first request; anything but CONNECT is handed on to Kestrel with no byte consumed.
/// </summary>
internal sealed partial class ConnectTunnelMiddleware(
    EgressConfigStore config,
    UpstreamConnector connector,
    ITunnelCopier copier,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<ConnectTunnelMiddleware> logger)
{
    private static readonly ReadOnlyMemory<byte> Established = "HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray();

    public async Task OnConnectionAsync(ConnectionContext context, ConnectionDelegate next)
    {
        var snapshot = config.Current;
        var (status, request, error) = await ReadHeadAsync(context, snapshot);
        switch (status)
        {
            case HeadParseStatus.NotConnect:
                await next(context);
                return;
            case HeadParseStatus.Complete:
                await TunnelAsync(context, request, snapshot);
                return;
            case HeadParseStatus.Incomplete:
                return; // The client went away mid-head.
            default:
                LogBadRequest(logger, context.ConnectionId, error.Message);
                await RawResponseWriter.WriteErrorAndCloseAsync(context, error, time);
                return;
        }
    }

    private async Task<(HeadParseStatus Status, ConnectRequest Request, ProxyError Error)> ReadHeadAsync(ConnectionContext context, EgressSnapshot snapshot)
    {
        var input = context.Transport.Input;
        using var timeout = new CancellationTokenSource(snapshot.Timeouts.RequestHead, time);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.ConnectionClosed);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(cancel.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return (HeadParseStatus.Invalid, default, ProxyError.HeadTimeout());
            }
            catch (Exception ex) when (ex is OperationCanceledException or ConnectionResetException or ConnectionAbortedException or IOException)
            {
                return (HeadParseStatus.Incomplete, default, default);
            }

            var buffer = result.Buffer;
            var status = ConnectRequestParser.TryParse(buffer, snapshot.Limits.MaxRequestHeadBytes, out var headEnd, out var request, out var message);
            switch (status)
            {
                case HeadParseStatus.Incomplete when !result.IsCompleted:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                case HeadParseStatus.Complete:
                    input.AdvanceTo(headEnd);
                    return (status, request, default);
                case HeadParseStatus.TooLarge:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return (status, default, ProxyError.HeadTooLarge(message));
                case HeadParseStatus.Invalid:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return (status, default, ProxyError.BadRequest(message));
                default:
                    // NotConnect, or Incomplete at end of input: leave every byte for whoever reads next.
                    input.AdvanceTo(buffer.Start);
                    return (status, default, default);
            }
        }
    }

    private async Task TunnelAsync(ConnectionContext context, ConnectRequest request, EgressSnapshot snapshot)
    {
        if (!Destination.TryParse(request.Authority, defaultPort: null, out var destination, out var parseError))
        {
            await RefuseAsync(context, ProxyError.BadRequest($"CONNECT needs host:port: {parseError}"));
            return;
        }

        var decision = snapshot.Policy.Decide(destination);
        if (!decision.IsAllowed)
        {
            LogDenied(logger, context.ConnectionId, destination.ToString(), decision.Reason);
            await RefuseAsync(context, ProxyError.Denied(decision));
            return;
        }

        Socket upstream;
        try
        {
            upstream = await connector.ConnectAsync(destination, lifetime.ApplicationStopping);
        }
        catch (UpstreamConnectException ex)
        {
            LogUpstreamFailed(logger, context.ConnectionId, destination.ToString(), ex.Kind, ex.Message);
            await RefuseAsync(context, ProxyError.From(ex));
            return;
        }

        using (upstream)
        {
            LogTunnelOpened(logger, context.ConnectionId, destination.ToString(), upstream.RemoteEndPoint?.ToString());
            var clientSocket = ClientTransport.RawSocket(context);
            try
            {
                await ClientTransport.SendAsync(context, clientSocket, Established, lifetime.ApplicationStopping);
            }
            catch (SocketException)
            {
                return; // the client left while the upstream was dialed
            }

            if (snapshot.Options.Policy.RequireTlsSniMatch && !await SniMatchesAsync(context, clientSocket, destination, snapshot))
            {
                return;
            }

            var result = await copier.RelayAsync(context, clientSocket, upstream, lifetime.ApplicationStopping);
            LogTunnelClosed(logger, context.ConnectionId, destination.ToString(), result.BytesFromClient, result.BytesFromUpstream, result.End);
        }
    }

    /// <summary>
    /// <c>Egress:Policy:RequireTlsSniMatch</c>: when the tunnel starts with a ClientHello, its server name must be the
    /// CONNECT host (no domain fronting through an allowed name). A tunnel that does not start with TLS within the
    /// ClientHello timeout is let through unchecked.
    /// </summary>
    private async Task<bool> SniMatchesAsync(ConnectionContext context, Socket? clientSocket, Destination destination, EgressSnapshot snapshot)
    {
        var read = await ClientHelloReader.PeekAsync(context.Transport.Input, snapshot.Limits.MaxClientHelloBytes, snapshot.Timeouts.ClientHello, time, lifetime.ApplicationStopping);
        switch (read.Status)
        {
            case ClientHelloStatus.NotTls:
            case ClientHelloStatus.Incomplete when read.TimedOut:
                return true;
            case ClientHelloStatus.Incomplete:
                return false;
            case ClientHelloStatus.Complete when read.Hello.ServerName is null:
                return true;
            case ClientHelloStatus.Complete:
                if (Destination.TryParse(read.Hello.ServerName, destination.Port, out var named, out _) && named.Host == destination.Host)
                {
                    return true;
                }

                LogSniMismatch(logger, context.ConnectionId, destination.ToString(), read.Hello.ServerName);
                await ClientTransport.SendFinalAsync(context, clientSocket, TlsAlert.Fatal(TlsAlert.UnrecognizedName), time);
                return false;
            default:
                LogSniMismatch(logger, context.ConnectionId, destination.ToString(), read.Error);
                await ClientTransport.SendFinalAsync(context, clientSocket, TlsAlert.Fatal(TlsAlert.DecodeError), time);
                return false;
        }
    }

    private Task RefuseAsync(ConnectionContext context, ProxyError error) => RawResponseWriter.WriteErrorAndCloseAsync(context, error, time);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "[{ConnectionId}] CONNECT bad request: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "[{ConnectionId}] CONNECT {Destination} denied: {Reason}")]
    private static partial void LogDenied(ILogger logger, string connectionId, string destination, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "[{ConnectionId}] CONNECT {Destination} failed ({Kind}): {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string connectionId, string destination, ConnectFailureKind kind, string reason);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "[{ConnectionId}] CONNECT {Destination} closed: the tunnel's ClientHello names '{ServerName}'")]
    private static partial void LogSniMismatch(ILogger logger, string connectionId, string destination, string serverName);

    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "[{ConnectionId}] CONNECT {Destination} tunnel open to {Upstream}")]
    private static partial void LogTunnelOpened(ILogger logger, string connectionId, string destination, string? upstream);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "[{ConnectionId}] CONNECT {Destination} closed: {BytesFromClient} bytes up, {BytesFromUpstream} bytes down, {End}")]
    private static partial void LogTunnelClosed(ILogger logger, string connectionId, string destination, long bytesFromClient, long bytesFromUpstream, TunnelEnd end);
}
