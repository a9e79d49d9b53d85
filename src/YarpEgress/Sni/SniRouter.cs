using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using YarpEgress.Configuration;
using YarpEgress.Policy;
using YarpEgress.Tunneling;
using YarpEgress.Upstream;

namespace YarpEgress.Sni;

/// <summary>
/// The connection middleware of SNI listeners. It peeks at the ClientHello, takes the server name (<c>host</c> or
/// <c>host:port</c>), checks it against the allowlist and refuses with a TLS alert. In passthrough mode it then dials
/// and relays the untouched TLS bytes; in terminate mode it lets Kestrel's TLS handshake run and relays the plain
/// bytes inside (<see cref="OnTerminatedAsync"/>). The upstream port is the one in the server name, else the listener's
/// <c>UpstreamPort</c>, else the listener's own port.
/// </summary>
internal sealed partial class SniRouter(
    EgressConfigStore config,
    UpstreamConnector connector,
    ITunnelCopier copier,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<SniRouter> logger)
{
    public async Task OnConnectionAsync(ConnectionContext context, ConnectionDelegate next, ListenerOptions listener)
    {
        var snapshot = config.Current;
        var read = await ClientHelloReader.PeekAsync(context.Transport.Input, snapshot.Limits.MaxClientHelloBytes, snapshot.Timeouts.ClientHello, time, context.ConnectionClosed);
        if (read.Status != ClientHelloStatus.Complete)
        {
            LogBadClientHello(logger, context.ConnectionId, listener.Name, read.Status, read.Error);
            if (read.Status is ClientHelloStatus.NotTls or ClientHelloStatus.Malformed or ClientHelloStatus.TooLarge)
            {
                await RefuseAsync(context, read.Status == ClientHelloStatus.NotTls ? TlsAlert.HandshakeFailure : TlsAlert.DecodeError);
            }

            return;
        }

        if (!TryRoute(context, listener, read.Hello, snapshot, out var destination))
        {
            await RefuseAsync(context, TlsAlert.UnrecognizedName);
            return;
        }

        if ((listener.Tls?.Mode ?? SniTlsMode.Passthrough) == SniTlsMode.Terminate)
        {
            context.Features.Set(new SniRoute(destination));
            await next(context);
            return;
        }

        var clientSocket = ClientTransport.RawSocket(context);
        var upstream = await DialAsync(context, destination);
        if (upstream is null)
        {
            await RefuseAsync(context, TlsAlert.InternalError);
            return;
        }

        await RelayAsync(context, clientSocket, upstream, destination, read.Hello.Alpn);
    }

    /// <summary>After a terminating handshake: dial the destination chosen from the SNI and relay the plain bytes.</summary>
    public async Task OnTerminatedAsync(ConnectionContext context)
    {
        if (context.Features.Get<SniRoute>() is not { } route)
        {
            return;
        }

        var upstream = await DialAsync(context, route.Destination);
        if (upstream is not null)
        {
            await RelayAsync(context, clientSocket: null, upstream, route.Destination, alpn: null);
        }
    }

    private bool TryRoute(ConnectionContext context, ListenerOptions listener, ClientHello hello, EgressSnapshot snapshot, out Destination destination)
    {
        destination = default;
        var name = hello.ServerName ?? listener.DefaultHost;
        if (name is null)
        {
            LogRefused(logger, context.ConnectionId, listener.Name, "(none)", "the ClientHello has no server name and the listener no DefaultHost");
            return false;
        }

        var defaultPort = listener.UpstreamPort ?? (listener.Port != 0 ? listener.Port : (context.LocalEndPoint as IPEndPoint)?.Port ?? 443);
        if (!Destination.TryParse(name, defaultPort, out destination, out var error))
        {
            LogRefused(logger, context.ConnectionId, listener.Name, name, error);
            return false;
        }

        var decision = snapshot.Policy.Decide(destination);
        if (!decision.IsAllowed)
        {
            LogRefused(logger, context.ConnectionId, listener.Name, name, decision.Reason);
            return false;
        }

        return true;
    }

    private async Task<Socket?> DialAsync(ConnectionContext context, Destination destination)
    {
        try
        {
            return await connector.ConnectAsync(destination, lifetime.ApplicationStopping);
        }
        catch (UpstreamConnectException ex)
        {
            LogUpstreamFailed(logger, context.ConnectionId, destination.ToString(), ex.Kind, ex.Message);
            return null;
        }
    }

    private async Task RelayAsync(ConnectionContext context, Socket? clientSocket, Socket upstream, Destination destination, string? alpn)
    {
        using (upstream)
        {
            LogOpened(logger, context.ConnectionId, destination.ToString(), upstream.RemoteEndPoint?.ToString(), alpn);
            var result = await copier.RelayAsync(context, clientSocket, upstream, lifetime.ApplicationStopping);
            LogClosed(logger, context.ConnectionId, destination.ToString(), result.BytesFromClient, result.BytesFromUpstream, result.End);
        }
    }

    private Task RefuseAsync(ConnectionContext context, byte alert) =>
        ClientTransport.SendFinalAsync(context, ClientTransport.RawSocket(context), TlsAlert.Fatal(alert), time);

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "[{ConnectionId}] SNI listener {Listener}: no usable ClientHello ({Status}): {Reason}")]
    private static partial void LogBadClientHello(ILogger logger, string connectionId, string listener, ClientHelloStatus status, string reason);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "[{ConnectionId}] SNI listener {Listener}: '{ServerName}' refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string connectionId, string listener, string serverName, string reason);

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "[{ConnectionId}] SNI {Destination} failed ({Kind}): {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string connectionId, string destination, ConnectFailureKind kind, string reason);

    [LoggerMessage(EventId = 503, Level = LogLevel.Debug, Message = "[{ConnectionId}] SNI {Destination} open to {Upstream} (ALPN {Alpn})")]
    private static partial void LogOpened(ILogger logger, string connectionId, string destination, string? upstream, string? alpn);

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "[{ConnectionId}] SNI {Destination} closed: {BytesFromClient} bytes up, {BytesFromUpstream} bytes down, {End}")]
    private static partial void LogClosed(ILogger logger, string connectionId, string destination, long bytesFromClient, long bytesFromUpstream, TunnelEnd end);
}
