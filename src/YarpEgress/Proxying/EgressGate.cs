using System.Security.Cryptography.X509Certificates;
using YarpEgress.Addressing;
using YarpEgress.Authentication;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Policy.Clients;
using YarpEgress.Telemetry;
using YarpEgress.Tls;
using YarpEgress.Upstream;

namespace YarpEgress.Proxying;

/// <summary>
/// The one place a destination is authorized, for CONNECT, plain HTTP, SNI and SNI after a client-certificate
/// handshake alike: identify the client (its source and credentials, through the <see cref="ProxyAuthenticator"/>),
/// let the allowlist decide, pick the route, record it all on the session, log a refusal, and answer with a
/// <see cref="DialPlan"/> or the refusal. It is also where every connection and request takes its config snapshot.
/// </summary>
internal sealed partial class EgressGate(EgressConfigStore config, ProxyAuthenticator authenticator, ILogger<EgressGate> logger)
{
    /// <summary>The current snapshot, for a new connection or request to keep (<see cref="ProxyContext.Snapshot"/>).</summary>
    public EgressSnapshot Snapshot => config.Current;

    /// <summary>Decides whether <paramref name="context"/>'s client may reach <paramref name="destination"/>, and how.</summary>
    public ValueTask<Authorization> AuthorizeAsync(ProxyContext context, Destination destination, Credentials credentials)
    {
        var session = context.Session ?? throw new InvalidOperationException("authorize after the session began");
        var clients = context.Snapshot.Clients;
        switch (credentials.Kind)
        {
            case CredentialsKind.ProxyAuthorization:
                var identifying = authenticator.IdentifyAsync(clients, context.ClientAddress, credentials.ProxyAuthorization, credentials.Memo, session.Workload);
                return identifying.IsCompletedSuccessfully
                    ? new(Identified(context, session, destination, identifying.Result))
                    : IdentifiedAsync(context, session, destination, identifying);
            case CredentialsKind.Certificate:
                var certificate = credentials.Certificate;
                return new(Decide(context, session, destination, certificate is null ? null : clients.ByCertificate(CertificateNames(certificate))));
            default:
                // A TLS connection carries no proxy credentials: clients that need them do not match here.
                if (!clients.TryIdentify(context.ClientAddress, session.Workload, out var client))
                {
                    session.Rejected(ConnectionEnd.CredentialsRequired, destination);
                    LogRefused(context, destination, "its client must authenticate, which a TLS connection cannot");
                    return new(Authorization.Refused(ProxyError.CredentialsRequired(), TlsAlert.UnrecognizedName));
                }

                return new(Decide(context, session, destination, client));
        }
    }

    private async ValueTask<Authorization> IdentifiedAsync(ProxyContext context, ProxySession session, Destination destination, ValueTask<Identification> identifying) =>
        Identified(context, session, destination, await identifying);

    private Authorization Identified(ProxyContext context, ProxySession session, in Destination destination, in Identification identity)
    {
        switch (identity.Outcome)
        {
            case IdentificationOutcome.Identified:
                return Decide(context, session, destination, identity.Client);
            case IdentificationOutcome.Throttled:
                session.Rejected(ConnectionEnd.AuthThrottled, destination);
                return Authorization.Refused(ProxyError.AuthenticationThrottled(context.ClientAddress, identity.RetryAfter), TlsAlert.UnrecognizedName);
            default:
                session.Rejected(ConnectionEnd.CredentialsRequired, destination);
                return Authorization.Refused(ProxyError.CredentialsRequired(), TlsAlert.UnrecognizedName);
        }
    }

    private Authorization Decide(ProxyContext context, ProxySession session, in Destination destination, ClientPolicy? client)
    {
        var snapshot = context.Snapshot;
        var decision = snapshot.Policy.Decide(destination, client);
        session.Record(decision, client);
        if (!decision.IsAllowed)
        {
            LogRefused(context, destination, decision.Reason);
            return Authorization.Refused(ProxyError.Denied(decision), TlsAlert.UnrecognizedName);
        }

        // UpstreamTls routes concern plain HTTP only; a connection's bytes are the client's own.
        var route = session.Protocol == ProxyProtocol.Http ? snapshot.Routes.Find(destination) : snapshot.Routes.FindForConnection(destination);
        return Authorization.Allowed(DialPlan.For(destination, route));
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

    /// <summary>A refusal, under the event of its path (the ids operators already alert on), formatted only when it is on.</summary>
    private void LogRefused(ProxyContext context, in Destination destination, string reason)
    {
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var session = context.Session!;
        switch (session.Protocol)
        {
            case ProxyProtocol.Connect:
                LogConnectDenied(logger, session.Id, destination, LogText.Escape(reason));
                break;
            case ProxyProtocol.Http:
                LogHttpDenied(logger, session.Id, LogText.Escape(context.Method ?? "-"), destination, LogText.Escape(reason));
                break;
            default:
                LogSniRefused(logger, session.Id, context.Listener, destination, LogText.Escape(reason));
                break;
        }
    }

    [LoggerMessage(EventId = LogEvents.ConnectDenied, EventName = nameof(LogEvents.ConnectDenied), Level = LogLevel.Information, Message = "#{SessionId} CONNECT {Destination} denied: {Reason}")]
    private static partial void LogConnectDenied(ILogger logger, long sessionId, Destination destination, string reason);

    [LoggerMessage(EventId = LogEvents.HttpDenied, EventName = nameof(LogEvents.HttpDenied), Level = LogLevel.Information, Message = "#{SessionId} {Method} {Destination} denied: {Reason}")]
    private static partial void LogHttpDenied(ILogger logger, long sessionId, string method, Destination destination, string reason);

    [LoggerMessage(EventId = LogEvents.SniRefused, EventName = nameof(LogEvents.SniRefused), Level = LogLevel.Information, Message = "#{SessionId} SNI listener {Listener}: '{ServerName}' refused: {Reason}")]
    private static partial void LogSniRefused(ILogger logger, long sessionId, string listener, Destination serverName, string reason);
}
