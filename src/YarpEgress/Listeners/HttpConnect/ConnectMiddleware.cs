using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using YarpEgress.Addressing;
using YarpEgress.Diagnostics;
using YarpEgress.Listeners.Http;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;
using YarpEgress.Tls;
using YarpEgress.Transport;

namespace YarpEgress.Listeners.HttpConnect;

/// <summary>
/// The CONNECT stage of HTTP listeners, which answers CONNECT itself: neither Kestrel nor YARP tunnels CONNECT, and
/// Kestrel refuses <c>CONNECT host:443</c> whose Host header lacks the port (as Java and Python send it). It peeks at
/// the first request; anything but CONNECT is handed on to Kestrel (<c>next</c>) with no byte consumed. A CONNECT is
/// parsed, authorized by the <see cref="EgressGate"/>, dialed and relayed by the <see cref="TunnelStep"/>.
/// </summary>
internal sealed partial class ConnectMiddleware(
    ConnectionDelegate next,
    EgressGate gate,
    TunnelStep tunnels,
    EgressTelemetry telemetry,
    TimeProvider time,
    ILogger<ConnectMiddleware> logger)
{
    private static readonly ReadOnlyMemory<byte> Established = "HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray();

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var context = connection.Features.GetRequiredFeature<ProxyContext>();
        var snapshot = context.Snapshot;
        var (outcome, head) = await PipePeek.PeekAsync(connection.Transport.Input, new HeadParser(snapshot.Limits.MaxRequestHeadBytes), snapshot.Timeouts.RequestHead, time, connection.ConnectionClosed);
        switch (outcome)
        {
            case PeekOutcome.NotThisProtocol:
                await ServeHttpAsync(connection);
                return;
            case PeekOutcome.ClientGone:
                return; // the client went away mid-head
            case PeekOutcome.Parsed:
                using (context.Begin(telemetry, ProxyProtocol.Connect))
                {
                    await TunnelAsync(connection, context, head.Request);
                }

                return;
        }

        var error = outcome switch
        {
            PeekOutcome.TimedOut => ProxyError.HeadTimeout(),
            PeekOutcome.TooLarge => ProxyError.HeadTooLarge(head.Error!),
            _ => ProxyError.BadRequest(head.Error!),
        };

        // A refused plain-HTTP target counts as plain HTTP; a broken CONNECT head as CONNECT.
        using var session = context.Begin(telemetry, head.UnsupportedScheme ? ProxyProtocol.Http : ProxyProtocol.Connect);
        session.Rejected(outcome == PeekOutcome.TimedOut ? ConnectionEnd.Timeout : ConnectionEnd.BadRequest, requested: null);
        await RefuseAsync(connection, session, error);
    }

    /// <summary>Hands the connection to Kestrel, its request heads watched for the raw <c>Connection</c> header.</summary>
    private async Task ServeHttpAsync(ConnectionContext connection)
    {
        var transport = connection.Transport;
        var raw = new RawConnectionHeader(transport.Input);
        connection.Transport = new ObservedPipe(raw, transport.Output);
        connection.Features.Set(raw);
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = transport;
        }
    }

    private async Task TunnelAsync(ConnectionContext connection, ProxyContext context, ConnectRequest request)
    {
        var session = context.Session!;
        if (!Destination.TryParse(request.Authority, defaultPort: null, out var destination, out var parseError))
        {
            session.Rejected(ConnectionEnd.BadRequest, request.Authority);
            await RefuseAsync(connection, session, ProxyError.BadRequest($"CONNECT needs host:port: {parseError}"));
            return;
        }

        var authorization = await gate.AuthorizeAsync(context, destination, Credentials.Header(request.ProxyAuthorization));
        if (!authorization.IsAllowed)
        {
            await RefuseAsync(connection, session, authorization.Error);
            return;
        }

        var (upstream, failure) = await tunnels.DialAsync(context, authorization.Plan);
        if (upstream is null)
        {
            if (failure is not null)
            {
                await RefuseAsync(connection, session, ProxyError.From(failure));
            }

            return;
        }

        try
        {
            await connection.Features.GetRequiredFeature<IClientSendFeature>().SendNowAsync(Established, CancellationToken.None);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
        {
            upstream.Dispose();
            session.End = ConnectionEnd.ClientReset; // the client left while the upstream was dialed
            return;
        }

        session.StatusCode = 200;
        var snapshot = context.Snapshot;
        if (snapshot.Options.Policy.RequireTlsSniMatch && !snapshot.SniMatchExemptPorts.Contains(destination.Port)
            && !await SniMatchesAsync(connection, context, destination))
        {
            upstream.Dispose();
            return;
        }

        await tunnels.RelayAsync(context, connection, rawClient: true, upstream);
    }

    /// <summary>
    /// <c>Egress:Policy:RequireTlsSniMatch</c>, failing closed: the tunnel must start with a ClientHello, within
    /// <c>Timeouts:ClientHello</c>, whose server name is the CONNECT host (no domain fronting through an allowed name).
    /// A wrong or missing name and a malformed hello get a fatal TLS alert; bytes that are not TLS, a stall and a late
    /// hello close the tunnel. Nothing reaches the upstream before the check passes, and the peeked bytes stay in the
    /// pipe for the relay. Ports in <c>SniMatchExemptPorts</c> never get here.
    /// </summary>
    private async Task<bool> SniMatchesAsync(ConnectionContext connection, ProxyContext context, Destination destination)
    {
        var session = context.Session!;
        var read = await ClientHelloPeek.PeekAsync(connection.Transport.Input, context.Snapshot, time, connection.ConnectionClosed);
        session.Alpn = read.Hello.Alpn;
        var name = read.Hello.ServerName;
        if (read.Outcome == PeekOutcome.Parsed && name is not null
            && Destination.TryParse(name, destination.Port, out var named, out _) && named.Host == destination.Host)
        {
            return true;
        }

        var (end, alert, reason) = read.Outcome switch
        {
            PeekOutcome.Parsed when name is null => (ConnectionEnd.SniMissing, TlsAlert.UnrecognizedName, "its ClientHello has no server name"),
            PeekOutcome.Parsed => (ConnectionEnd.SniMismatch, TlsAlert.UnrecognizedName, $"its ClientHello names '{name}'"),
            PeekOutcome.NotThisProtocol => (ConnectionEnd.NotTls, (byte)0, "it does not start with TLS, and its port is not in SniMatchExemptPorts"),
            PeekOutcome.TimedOut => (ConnectionEnd.ClientHelloTimeout, (byte)0, read.Error),
            PeekOutcome.ClientGone => (ConnectionEnd.ClientReset, (byte)0, read.Error),
            _ => (ConnectionEnd.BadClientHello, TlsAlert.DecodeError, read.Error),
        };
        session.End = end;
        LogSniCheckFailed(logger, session.Id, destination, end.ToTag(), LogText.Escape(reason));
        if (alert != 0)
        {
            await connection.Features.GetRequiredFeature<IClientSendFeature>().SendFinalAsync(TlsAlert.Fatal(alert), time);
        }

        return false;
    }

    private Task RefuseAsync(ConnectionContext connection, ProxySession session, ProxyError error)
    {
        session.StatusCode = error.StatusCode;
        return RawResponseWriter.WriteErrorAndCloseAsync(connection, error, time);
    }

    [LoggerMessage(EventId = LogEvents.ConnectSniCheckFailed, EventName = nameof(LogEvents.ConnectSniCheckFailed), Level = LogLevel.Information, Message = "#{SessionId} CONNECT {Destination} closed by the SNI check ({End}): {Reason}")]
    private static partial void LogSniCheckFailed(ILogger logger, long sessionId, Destination destination, string end, string reason);

    /// <summary>
    /// The first request head: a CONNECT is parsed and consumed; anything else is left whole for Kestrel, unless its
    /// absolute-form target has a scheme this proxy does not forward (refused here with a 400).
    /// </summary>
    private struct HeadParser(int maxHeadBytes) : IPeekParser
    {
        public ConnectRequest Request { get; private set; }

        public string? Error { get; private set; }

        public bool UnsupportedScheme { get; private set; }

        public PeekOutcome? TryParse(in ReadOnlySequence<byte> buffer, bool isFinal, out SequencePosition consumed)
        {
            var status = ConnectRequestParser.TryParse(buffer, maxHeadBytes, out consumed, out var request, out var message);
            switch (status)
            {
                case HeadParseStatus.Complete:
                    Request = request;
                    return PeekOutcome.Parsed;
                case HeadParseStatus.TooLarge:
                    Error = message;
                    return PeekOutcome.TooLarge;
                case HeadParseStatus.Invalid:
                    Error = message;
                    return PeekOutcome.Malformed;
                case HeadParseStatus.NotConnect:
                    switch (FirstRequestScheme.Check(buffer, out var scheme))
                    {
                        case SchemeCheck.NeedMore when !isFinal:
                            return null;
                        case SchemeCheck.Unsupported:
                            UnsupportedScheme = true;
                            Error = $"this proxy forwards http:// targets, not {scheme}://; use CONNECT host:port for anything else";
                            return PeekOutcome.Malformed;
                        default:
                            return PeekOutcome.NotThisProtocol;
                    }

                default:
                    return null; // Incomplete: more bytes, or, at the end of input, every byte stays for whoever reads next
            }
        }
    }

    private sealed class ObservedPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
