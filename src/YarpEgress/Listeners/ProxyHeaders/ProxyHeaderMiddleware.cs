using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using YarpEgress.Diagnostics;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;
using YarpEgress.Transport;

namespace YarpEgress.Listeners.ProxyHeaders;

/// <summary>
/// The stage of every proxy listener before the limits: PROXY protocol v1/v2 from the load balancers in the listener's
/// <c>ProxyProtocol:TrustedSources</c> (read from the connection's snapshot, so it reloads). A trusted peer's connection
/// must start with a header, read within <c>Timeouts:RequestHead</c>; only the header's bytes are consumed, and its
/// source becomes the connection's client (<c>ConnectionContext.RemoteEndPoint</c> and <see cref="ProxyContext.Client"/>),
/// which every later reader (limits, clients, Kestrel's HTTP connection, telemetry) takes as the client. A PROXY header
/// from any other peer is refused on HTTP listeners; SNI listeners see it as what it is, not a ClientHello.
/// </summary>
internal sealed partial class ProxyHeaderMiddleware(
    ConnectionDelegate next,
    ListenerInfo listener,
    ConnectionRefusal refuse,
    EgressTelemetry telemetry,
    TimeProvider time,
    ILogger<ProxyHeaderMiddleware> logger)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var context = connection.Features.GetRequiredFeature<ProxyContext>();
        var snapshot = context.Snapshot;
        var peer = context.Client as IPEndPoint;
        var trusted = snapshot.SettingsOf(listener.Name).TrustsProxyHeaderFrom(peer?.Address);
        if (!trusted && listener.IsSni)
        {
            await next(connection);
            return;
        }

        var timeout = snapshot.Timeouts.RequestHead;
        var (outcome, parser) = await PipePeek.PeekAsync(connection.Transport.Input, new Parser(trusted), timeout, time, connection.ConnectionClosed);
        switch (outcome)
        {
            case PeekOutcome.NotThisProtocol when !trusted:
                await next(connection);
                return;
            case PeekOutcome.Parsed when trusted:
                if (parser.Header.Source is { } source)
                {
                    // An IPv4-mapped source (TCP6 ::ffff:10.1.2.3) is the IPv4 client, as Egress:Clients CIDRs write it.
                    connection.RemoteEndPoint = context.Client = source.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(source.Address.MapToIPv4(), source.Port) : source;
                }

                await next(connection);
                return;
            case PeekOutcome.ClientGone:
                return; // the peer went away
        }

        var timedOut = outcome == PeekOutcome.TimedOut;
        var reason = timedOut ? $"no complete PROXY protocol header within {timeout.TotalSeconds:0.###} s"
            : !trusted ? $"a PROXY protocol header from {peer?.Address}, which is not in this listener's ProxyProtocol:TrustedSources"
            : outcome == PeekOutcome.NotThisProtocol ? $"{peer?.Address} is a trusted load balancer (ProxyProtocol:TrustedSources) but sent no PROXY protocol header"
            : $"invalid PROXY protocol header: {parser.Error}";
        using var session = context.Begin(telemetry, listener.IsSni ? ProxyProtocol.Sni : ProxyProtocol.Http);
        session.Rejected(timedOut ? ConnectionEnd.Timeout : ConnectionEnd.BadProxyHeader, requested: null);
        LogRefused(logger, session.Id, listener.Name, context.Client, reason);
        var error = timedOut ? new ProxyError(408, "http_request_error", reason) : ProxyError.BadRequest(reason);
        if (!listener.IsSni)
        {
            session.StatusCode = error.StatusCode;
        }

        await refuse(connection, error);
    }

    /// <summary>From a trusted peer, the whole header; from any other, the signature alone decides: there is no header to wait for.</summary>
    private struct Parser(bool trusted) : IPeekParser
    {
        public ProxyHeader Header { get; private set; }

        public string? Error { get; private set; }

        public PeekOutcome? TryParse(in ReadOnlySequence<byte> buffer, bool isFinal, out SequencePosition consumed)
        {
            consumed = buffer.Start;
            ProxyHeaderStatus status;
            if (trusted)
            {
                status = ProxyHeaderParser.TryParse(buffer, out var header, out var length, out var error);
                (Header, Error) = (header, error);
                if (status == ProxyHeaderStatus.Complete)
                {
                    consumed = buffer.GetPosition(length); // only a trusted header is consumed
                }
            }
            else
            {
                status = ProxyHeaderParser.MatchSignature(buffer, out _);
            }

            return status switch
            {
                ProxyHeaderStatus.Incomplete => null,
                ProxyHeaderStatus.Complete => PeekOutcome.Parsed,
                ProxyHeaderStatus.NotProxy => PeekOutcome.NotThisProtocol,
                ProxyHeaderStatus.TooLarge => PeekOutcome.TooLarge,
                _ => PeekOutcome.Malformed,
            };
        }
    }

    [LoggerMessage(EventId = LogEvents.ProxyHeaderRefused, EventName = nameof(LogEvents.ProxyHeaderRefused), Level = LogLevel.Information, Message = "#{SessionId} listener {Listener} refused {Peer}: {Reason}")]
    private static partial void LogRefused(ILogger logger, long sessionId, string listener, EndPoint? peer, string reason);
}
