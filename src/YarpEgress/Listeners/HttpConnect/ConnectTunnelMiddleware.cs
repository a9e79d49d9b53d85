using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using YarpEgress.Addressing;
using YarpEgress.Authentication;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Listeners.Http;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;
using YarpEgress.Tls;
using YarpEgress.Transport;

namespace YarpEgress.Listeners.HttpConnect;

/// <summary>
/// A Kestrel connection middleware on HTTP listeners that answers CONNECT itself: neither Kestrel nor YARP tunnels
/// CONNECT, and Kestrel refuses <c>CONNECT host:443</c> whose Host header lacks the port (as Java and Python send it).
/// It peeks at the first request; anything but CONNECT is handed on to Kestrel with no byte consumed.
/// </summary>
internal sealed partial class ConnectTunnelMiddleware(
    EgressConfigStore config,
    TunnelService tunnels,
    ProxyAuthenticator authenticator,
    EgressTelemetry telemetry,
    TimeProvider time,
    ILogger<ConnectTunnelMiddleware> logger)
{
    private static readonly ReadOnlyMemory<byte> Established = "HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray();

    public async Task OnConnectionAsync(ConnectionContext context, ConnectionDelegate next)
    {
        var snapshot = config.Current;
        var (status, request, error) = await ReadHeadAsync(context, snapshot);
        if (status is HeadParseStatus.NotConnect)
        {
            await ServeHttpAsync(context, next);
            return;
        }

        if (status is HeadParseStatus.Incomplete)
        {
            return; // The client went away mid-head.
        }

        var listener = context.Features.Get<EgressListenerFeature>()?.Name ?? "-";
        if (status is HeadParseStatus.UnsupportedScheme)
        {
            using var refused = telemetry.Begin(listener, ProxyProtocol.Http, context.RemoteEndPoint);
            refused.Rejected(ConnectionEnd.BadRequest, requested: null);
            await RefuseAsync(context, refused, error);
            return;
        }

        using var session = telemetry.Begin(listener, ProxyProtocol.Connect, context.RemoteEndPoint);
        if (status is HeadParseStatus.Complete)
        {
            await TunnelAsync(context, request, snapshot, session);
            return;
        }

        session.Rejected(status == HeadParseStatus.Invalid && error.StatusCode == 408 ? ConnectionEnd.Timeout : ConnectionEnd.BadRequest, requested: null);
        await RefuseAsync(context, session, error);
    }

    /// <summary>Hands the connection to Kestrel, its request heads watched for the raw <c>Connection</c> header.</summary>
    private static async Task ServeHttpAsync(ConnectionContext context, ConnectionDelegate next)
    {
        var transport = context.Transport;
        var raw = new RawConnectionHeader(transport.Input);
        context.Transport = new ObservedPipe(raw, transport.Output);
        context.Features.Set(raw);
        try
        {
            await next(context);
        }
        finally
        {
            context.Transport = transport;
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
                case HeadParseStatus.NotConnect:
                    switch (FirstRequestScheme.Check(buffer, out var scheme))
                    {
                        case SchemeCheck.NeedMore when !result.IsCompleted:
                            input.AdvanceTo(buffer.Start, buffer.End);
                            continue;
                        case SchemeCheck.Unsupported:
                            input.AdvanceTo(buffer.Start, buffer.End);
                            return (HeadParseStatus.UnsupportedScheme, default, ProxyError.BadRequest(
                                $"this proxy forwards http:// targets, not {scheme}://; use CONNECT host:port for anything else"));
                    }

                    input.AdvanceTo(buffer.Start);
                    return (status, default, default);
                default:
                    // Incomplete at end of input: leave every byte for whoever reads next.
                    input.AdvanceTo(buffer.Start);
                    return (status, default, default);
            }
        }
    }

    private async Task TunnelAsync(ConnectionContext context, ConnectRequest request, EgressSnapshot snapshot, ProxySession session)
    {
        if (!Destination.TryParse(request.Authority, defaultPort: null, out var destination, out var parseError))
        {
            session.Rejected(ConnectionEnd.BadRequest, request.Authority);
            await RefuseAsync(context, session, ProxyError.BadRequest($"CONNECT needs host:port: {parseError}"));
            return;
        }

        var source = (context.RemoteEndPoint as System.Net.IPEndPoint)?.Address;
        var identity = await authenticator.IdentifyAsync(snapshot.Clients, source, request.ProxyAuthorization, workload: session.Workload);
        if (identity.Outcome != IdentificationOutcome.Identified)
        {
            var throttled = identity.Outcome == IdentificationOutcome.Throttled;
            session.Rejected(throttled ? ConnectionEnd.AuthThrottled : ConnectionEnd.CredentialsRequired, destination);
            await RefuseAsync(context, session, throttled ? ProxyError.AuthenticationThrottled(source, identity.RetryAfter) : ProxyError.CredentialsRequired());
            return;
        }

        var decision = session.Decide(snapshot.Policy, destination, identity.Client);
        if (!decision.IsAllowed)
        {
            LogDenied(logger, session.Id, destination, LogText.Escape(decision.Reason));
            await RefuseAsync(context, session, ProxyError.Denied(decision));
            return;
        }

        var (upstream, failure) = await tunnels.DialAsync(session, destination);
        if (upstream is null)
        {
            await RefuseAsync(context, session, ProxyError.From(failure!));
            return;
        }

        var clientSocket = ClientTransport.RawSocket(context);
        try
        {
            await ClientTransport.SendAsync(context, clientSocket, Established, CancellationToken.None);
        }
        catch (SocketException)
        {
            upstream.Dispose();
            session.End = ConnectionEnd.ClientReset; // the client left while the upstream was dialed
            return;
        }

        session.StatusCode = 200;
        if (snapshot.Options.Policy.RequireTlsSniMatch && !snapshot.SniMatchExemptPorts.Contains(destination.Port)
            && !await SniMatchesAsync(context, clientSocket, destination, snapshot, session))
        {
            upstream.Dispose();
            return;
        }

        await tunnels.RelayAsync(context, clientSocket, upstream, session);
    }

    /// <summary>
    /// <c>Egress:Policy:RequireTlsSniMatch</c>, failing closed: the tunnel must start with a ClientHello, within
    /// <c>Timeouts:ClientHello</c>, whose server name is the CONNECT host (no domain fronting through an allowed name).
    /// A wrong or missing name and a malformed hello get a fatal TLS alert; bytes that are not TLS, a stall and a late
    /// hello close the tunnel. Nothing reaches the upstream before the check passes, and the peeked bytes stay in the
    /// pipe for the relay. Ports in <c>SniMatchExemptPorts</c> never get here.
    /// </summary>
    private async Task<bool> SniMatchesAsync(ConnectionContext context, Socket? clientSocket, Destination destination, EgressSnapshot snapshot, ProxySession session)
    {
        var read = await ClientHelloReader.PeekAsync(context.Transport.Input, snapshot.Limits.MaxClientHelloBytes, snapshot.Timeouts.ClientHello, time, context.ConnectionClosed);
        session.Alpn = read.Hello.Alpn;
        var name = read.Hello.ServerName;
        if (read.Status == ClientHelloStatus.Complete && name is not null
            && Destination.TryParse(name, destination.Port, out var named, out _) && named.Host == destination.Host)
        {
            return true;
        }

        var (end, alert, reason) = read.Status switch
        {
            ClientHelloStatus.Complete when name is null => (ConnectionEnd.SniMissing, TlsAlert.UnrecognizedName, "its ClientHello has no server name"),
            ClientHelloStatus.Complete => (ConnectionEnd.SniMismatch, TlsAlert.UnrecognizedName, $"its ClientHello names '{name}'"),
            ClientHelloStatus.NotTls => (ConnectionEnd.NotTls, (byte)0, "it does not start with TLS, and its port is not in SniMatchExemptPorts"),
            ClientHelloStatus.Incomplete when read.TimedOut => (ConnectionEnd.ClientHelloTimeout, (byte)0, read.Error),
            ClientHelloStatus.Incomplete => (ConnectionEnd.ClientReset, (byte)0, read.Error),
            _ => (ConnectionEnd.BadClientHello, TlsAlert.DecodeError, read.Error),
        };
        session.End = end;
        LogSniCheckFailed(logger, session.Id, destination, end.ToTag(), LogText.Escape(reason));
        if (alert != 0)
        {
            await ClientTransport.SendFinalAsync(context, clientSocket, TlsAlert.Fatal(alert), time);
        }

        return false;
    }

    private Task RefuseAsync(ConnectionContext context, ProxySession session, ProxyError error)
    {
        session.StatusCode = error.StatusCode;
        return RawResponseWriter.WriteErrorAndCloseAsync(context, error, time);
    }

    [LoggerMessage(EventId = LogEvents.ConnectDenied, EventName = nameof(LogEvents.ConnectDenied), Level = LogLevel.Information, Message = "#{SessionId} CONNECT {Destination} denied: {Reason}")]
    private static partial void LogDenied(ILogger logger, long sessionId, Destination destination, string reason);

    [LoggerMessage(EventId = LogEvents.ConnectSniCheckFailed, EventName = nameof(LogEvents.ConnectSniCheckFailed), Level = LogLevel.Information, Message = "#{SessionId} CONNECT {Destination} closed by the SNI check ({End}): {Reason}")]
    private static partial void LogSniCheckFailed(ILogger logger, long sessionId, Destination destination, string end, string reason);

    private sealed class ObservedPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
