using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using YarpEgress.Addressing;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;
using YarpEgress.Tls;
using YarpEgress.Transport;

namespace YarpEgress.Listeners.Sni;

/// <summary>
/// The first SNI stage (Envoy's TLS inspector): peeks at the ClientHello, takes the server name (<c>host</c> or
/// <c>host:port</c>; the port is the one in the name, else the listener's <c>UpstreamPort</c>, else its own port) and
/// has the <see cref="EgressGate"/> authorize it, refusing with a TLS alert before any handshake. On mTLS listeners with
/// certificate-named clients the decision waits for the certificate (<see cref="SniTerminatedHandler"/>). What comes
/// next is the listener's: <see cref="SniPassthroughHandler"/>, or Kestrel's TLS and then the terminated handler.
/// </summary>
internal sealed partial class SniInspectMiddleware(
    ConnectionDelegate next,
    ListenerInfo listener,
    EgressGate gate,
    EgressTelemetry telemetry,
    TimeProvider time,
    ILogger<SniInspectMiddleware> logger)
{
    private readonly bool _terminate = listener.Kind == ListenerKind.SniTerminate;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var context = connection.Features.GetRequiredFeature<ProxyContext>();
        var snapshot = context.Snapshot;
        var read = await ClientHelloPeek.PeekAsync(connection.Transport.Input, snapshot, time, connection.ConnectionClosed);
        if (read.Outcome == PeekOutcome.ClientGone)
        {
            return; // the client went away
        }

        using var session = context.Begin(telemetry, _terminate ? ProxyProtocol.SniTerminate : ProxyProtocol.Sni);
        session.Alpn = read.Hello.Alpn;
        if (read.Outcome != PeekOutcome.Parsed)
        {
            var timedOut = read.Outcome == PeekOutcome.TimedOut;
            LogBadClientHello(logger, session.Id, listener.Name, read.Outcome, LogText.Escape(read.Error));
            session.Rejected(timedOut ? ConnectionEnd.Timeout : ConnectionEnd.BadClientHello, requested: null);
            if (!timedOut)
            {
                await RefuseAsync(connection, read.Outcome == PeekOutcome.NotThisProtocol ? TlsAlert.HandshakeFailure : TlsAlert.DecodeError);
            }

            return;
        }

        if (!TryParseName(connection, Current(snapshot), read.Hello, session, out var destination))
        {
            await RefuseAsync(connection, TlsAlert.UnrecognizedName);
            return;
        }

        context.Destination = destination;

        // With client certificates the client, and so its rules, is known only after the handshake: decide then.
        var byCertificate = _terminate && snapshot.TlsTermination.GetValueOrDefault(listener.Name)?.ClientCas is not null && snapshot.Clients.Count > 0;
        if (!byCertificate)
        {
            var authorization = await gate.AuthorizeAsync(context, destination, Credentials.None);
            if (!authorization.IsAllowed)
            {
                await RefuseAsync(connection, authorization.Alert);
                return;
            }

            context.Plan = authorization.Plan;
        }

        if (_terminate)
        {
            session.End = ConnectionEnd.TlsHandshakeFailed; // until the terminated handler, after a handshake, says otherwise
        }

        await next(connection);
    }

    /// <summary>The listener as the snapshot has it (UpstreamPort and DefaultHost reload); its kind is the one bound.</summary>
    private ListenerOptions Current(EgressSnapshot snapshot)
    {
        foreach (var candidate in snapshot.Options.Listeners)
        {
            if (string.Equals(candidate.Name, listener.Name, StringComparison.OrdinalIgnoreCase) && candidate.Protocol == ListenerProtocol.Sni)
            {
                return candidate;
            }
        }

        return listener.Bound!;
    }

    private bool TryParseName(ConnectionContext connection, ListenerOptions options, ClientHello hello, ProxySession session, out Destination destination)
    {
        destination = default;
        var name = hello.ServerName ?? options.DefaultHost;
        if (name is null)
        {
            session.Rejected(ConnectionEnd.NoServerName, requested: null);
            LogRefused(logger, session.Id, listener.Name, "(none)", "the ClientHello has no server name and the listener no DefaultHost");
            return false;
        }

        var defaultPort = options.UpstreamPort ?? (options.Port != 0 ? options.Port : (connection.LocalEndPoint as IPEndPoint)?.Port ?? 443);
        if (!Destination.TryParse(name, defaultPort, out destination, out var error))
        {
            session.Rejected(ConnectionEnd.BadServerName, name);
            LogRefused(logger, session.Id, listener.Name, LogText.Escape(name), LogText.Escape(error));
            return false;
        }

        return true;
    }

    private Task RefuseAsync(ConnectionContext connection, byte alert) =>
        connection.Features.GetRequiredFeature<IClientSendFeature>().SendFinalAsync(TlsAlert.Fatal(alert), time);

    [LoggerMessage(EventId = LogEvents.BadClientHello, EventName = nameof(LogEvents.BadClientHello), Level = LogLevel.Information, Message = "#{SessionId} SNI listener {Listener}: no usable ClientHello ({Outcome}): {Reason}")]
    private static partial void LogBadClientHello(ILogger logger, long sessionId, string listener, PeekOutcome outcome, string reason);

    [LoggerMessage(EventId = LogEvents.SniNameRefused, EventName = nameof(LogEvents.SniNameRefused), Level = LogLevel.Information, Message = "#{SessionId} SNI listener {Listener}: '{ServerName}' refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, long sessionId, string listener, string serverName, string reason);
}
