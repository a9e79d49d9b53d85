using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using YarpEgress.Addressing;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;
using YarpEgress.Tls;
using YarpEgress.Transport;

namespace YarpEgress.Listeners.Sni;

/// <summary>
/// The connection middleware of SNI listeners. It peeks at the ClientHello, takes the server name (<c>host</c> or
/// <c>host:port</c>), checks it against the allowlist and refuses with a TLS alert. In passthrough mode it then dials
/// and relays the untouched TLS bytes; in terminate mode it lets Kestrel's TLS handshake run and relays the plain
/// bytes inside (<see cref="OnTerminatedAsync"/>). The upstream port is the one in the server name, else the listener's
/// <c>UpstreamPort</c>, else the listener's own port.
/// </summary>
internal sealed partial class SniRouter(
    EgressConfigStore config,
    TunnelService tunnels,
    EgressTelemetry telemetry,
    TimeProvider time,
    ILogger<SniRouter> logger)
{
    /// <param name="bound">The listener as bound at start-up: its TLS mode is fixed; its UpstreamPort and DefaultHost reload.</param>
    public async Task OnConnectionAsync(ConnectionContext context, ConnectionDelegate next, ListenerOptions bound)
    {
        var snapshot = config.Current;
        var terminate = (bound.Tls?.Mode ?? SniTlsMode.Passthrough) == SniTlsMode.Terminate;
        var listener = Current(snapshot, bound);
        var read = await ClientHelloReader.PeekAsync(context.Transport.Input, snapshot.Limits.MaxClientHelloBytes, snapshot.Timeouts.ClientHello, time, context.ConnectionClosed);
        if (read.Status == ClientHelloStatus.Incomplete && !read.TimedOut)
        {
            return; // the client went away
        }

        var session = telemetry.Begin(listener.Name, terminate ? ProxyProtocol.SniTerminate : ProxyProtocol.Sni, context.RemoteEndPoint);
        try
        {
            session.Alpn = read.Hello.Alpn;
            if (read.Status != ClientHelloStatus.Complete)
            {
                LogBadClientHello(logger, session.Id, listener.Name, read.Status, LogText.Escape(read.Error));
                session.Rejected(read.TimedOut ? ConnectionEnd.Timeout : ConnectionEnd.BadClientHello, requested: null);
                if (!read.TimedOut)
                {
                    await RefuseAsync(context, read.Status == ClientHelloStatus.NotTls ? TlsAlert.HandshakeFailure : TlsAlert.DecodeError);
                }

                return;
            }

            // With client certificates the client, and so its rules, is known only after the handshake: decide then.
            var byCertificate = terminate && snapshot.TlsTermination.GetValueOrDefault(listener.Name)?.ClientCas is not null && snapshot.Clients.Count > 0;
            if (!TryParseName(context, listener, read.Hello, session, out var destination)
                || (!byCertificate && !TryAllow(listener, destination, snapshot, session, context)))
            {
                await RefuseAsync(context, TlsAlert.UnrecognizedName);
                return;
            }

            if (terminate)
            {
                var route = new SniRoute(destination, session) { DecideAfterHandshake = byCertificate };
                context.Features.Set(route);
                await next(context); // Kestrel's TLS handshake, then OnTerminatedAsync
                if (!route.HandshakeDone)
                {
                    session.End = ConnectionEnd.TlsHandshakeFailed;
                }

                return;
            }

            var (upstream, failure) = await tunnels.DialAsync(session, destination);
            if (upstream is null)
            {
                // The address policy's refusal is a denial like the allowlist's; anything else is the upstream's fault.
                await RefuseAsync(context, failure!.Kind == Upstream.ConnectFailureKind.AddressDenied ? TlsAlert.AccessDenied : TlsAlert.InternalError);
                return;
            }

            await tunnels.RelayAsync(context, ClientTransport.RawSocket(context), upstream, session);
        }
        finally
        {
            session.Dispose();
        }
    }

    /// <summary>After a terminating handshake: dial the destination chosen from the SNI and relay the plain bytes.</summary>
    public async Task OnTerminatedAsync(ConnectionContext context)
    {
        if (context.Features.Get<SniRoute>() is not { } route)
        {
            return;
        }

        route.HandshakeDone = true;
        // What the client's TLS runs with now is the gateway's choice, not the client's offers (none, unless offered).
        var negotiated = context.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol ?? ReadOnlyMemory<byte>.Empty;
        route.Session.Alpn = negotiated.IsEmpty ? null : Encoding.ASCII.GetString(negotiated.Span);
        if (route.DecideAfterHandshake && !AllowByCertificate(context, route))
        {
            return; // the handshake is over: no alert to send, the connection just closes
        }

        var (upstream, _) = await tunnels.DialAsync(route.Session, route.Destination);
        if (upstream is not null)
        {
            await tunnels.RelayAsync(context, clientSocket: null, upstream, route.Session);
        }
    }

    private static ListenerOptions Current(EgressSnapshot snapshot, ListenerOptions bound)
    {
        foreach (var listener in snapshot.Options.Listeners)
        {
            if (string.Equals(listener.Name, bound.Name, StringComparison.OrdinalIgnoreCase) && listener.Protocol == ListenerProtocol.Sni)
            {
                return listener;
            }
        }

        return bound;
    }

    /// <summary>After an mTLS handshake: the verified certificate's names pick the client, whose rules join the decision.</summary>
    private bool AllowByCertificate(ConnectionContext context, SniRoute route)
    {
        var snapshot = config.Current;
        var certificate = context.Features.Get<ITlsConnectionFeature>()?.ClientCertificate;
        var client = certificate is null ? null : snapshot.Clients.ByCertificate(CertificateNames(certificate));
        var decision = route.Session.Decide(snapshot.Policy, route.Destination, client);
        if (!decision.IsAllowed)
        {
            LogRefused(route.Session.Id, route.Session.Listener, route.Destination, LogText.Escape(decision.Reason));
        }

        return decision.IsAllowed;
    }

    private static List<string> CertificateNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        if (certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) is { Length: > 0 } commonName)
        {
            names.Add(commonName);
        }

        if (certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault() is { } san)
        {
            names.AddRange(san.EnumerateDnsNames());
        }

        return names;
    }

    private bool TryParseName(ConnectionContext context, ListenerOptions listener, ClientHello hello, ProxySession session, out Destination destination)
    {
        destination = default;
        var name = hello.ServerName ?? listener.DefaultHost;
        if (name is null)
        {
            session.Rejected(ConnectionEnd.NoServerName, requested: null);
            LogRefused(logger, session.Id, listener.Name, "(none)", "the ClientHello has no server name and the listener no DefaultHost");
            return false;
        }

        var defaultPort = listener.UpstreamPort ?? (listener.Port != 0 ? listener.Port : (context.LocalEndPoint as IPEndPoint)?.Port ?? 443);
        if (!Destination.TryParse(name, defaultPort, out destination, out var error))
        {
            session.Rejected(ConnectionEnd.BadServerName, name);
            LogRefused(logger, session.Id, listener.Name, LogText.Escape(name), LogText.Escape(error));
            return false;
        }

        return true;
    }

    private bool TryAllow(ListenerOptions listener, Destination destination, EgressSnapshot snapshot, ProxySession session, ConnectionContext context)
    {
        // A TLS connection carries no proxy credentials: clients that need them do not match here.
        if (!snapshot.Clients.TryIdentify((context.RemoteEndPoint as IPEndPoint)?.Address, session.Workload, out var client))
        {
            session.Rejected(ConnectionEnd.CredentialsRequired, destination);
            LogRefused(session.Id, listener.Name, destination, "its client must authenticate, which a TLS connection cannot");
            return false;
        }

        var decision = session.Decide(snapshot.Policy, destination, client);
        if (!decision.IsAllowed)
        {
            LogRefused(session.Id, listener.Name, destination, LogText.Escape(decision.Reason));
            return false;
        }

        return true;
    }

    private Task RefuseAsync(ConnectionContext context, byte alert) =>
        ClientTransport.SendFinalAsync(context, ClientTransport.RawSocket(context), TlsAlert.Fatal(alert), time);

    [LoggerMessage(EventId = LogEvents.BadClientHello, EventName = nameof(LogEvents.BadClientHello), Level = LogLevel.Information, Message = "#{SessionId} SNI listener {Listener}: no usable ClientHello ({Status}): {Reason}")]
    private static partial void LogBadClientHello(ILogger logger, long sessionId, string listener, ClientHelloStatus status, string reason);

    /// <summary>
    /// A refused destination, whose text (log-safe: a normalized host or an IP literal) is built only when the event is
    /// on, not on every refusal.
    /// </summary>
    private void LogRefused(long sessionId, string listener, Destination destination, string reason)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogRefused(logger, sessionId, listener, destination.ToString(), reason);
        }
    }

    [LoggerMessage(EventId = LogEvents.SniRefused, EventName = nameof(LogEvents.SniRefused), Level = LogLevel.Information, Message = "#{SessionId} SNI listener {Listener}: '{ServerName}' refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, long sessionId, string listener, string serverName, string reason);
}
