using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using YarpEgress.Addressing;
using YarpEgress.Configuration;
using YarpEgress.Tls;
using YarpEgress.Upstream;

namespace YarpEgress.Listeners.Http;

/// <summary>
/// An <see cref="HttpMessageInvoker"/> for plain-HTTP forwarding: a <see cref="SocketsHttpHandler"/> tuned for a proxy
/// (no proxy of its own, no redirects, no decompression, no cookies) whose connections are dialed by the
/// <see cref="UpstreamConnector"/>, so plain HTTP obeys the same routes, pins, address policy and deadline as tunnels.
/// The TLS-originating variant wraps each dialed connection in TLS itself (server name and trust from the route) and
/// speaks HTTP/1.1 inside; the parent-proxy variant sends absolute-form requests to the route's parent. Each has its
/// own pools, which never mix with plain ones. Every connection is counted in <see cref="UpstreamHttpConnections"/>;
/// the pool keeps at most <c>Limits:MaxUpstreamHttpConnectionsPerDestination</c> per destination, closes idle ones after
/// <c>Timeouts:UpstreamHttpIdle</c>, and keeps the total within <c>Limits:MaxUpstreamHttpConnections</c> (<see cref="EgressHttpTransformer"/>).
/// Where a connection goes is the request's <see cref="DialPlan"/> (in its options when a route changes the dial): no
/// route is looked up here. Every dial runs under the generation's snapshot, whose dial settings all its snapshots share.
/// </summary>
internal sealed class ForwardingInvoker : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <param name="settings">The snapshot whose pool settings apply (the same in every snapshot of its generation).</param>
    /// <param name="originateTls">Wrap each connection in TLS set up from the request's plan.</param>
    /// <param name="parent">Send absolute-form requests to this parent proxy.</param>
    public ForwardingInvoker(UpstreamConnector connector, UpstreamHttpConnections connections, EgressSnapshot settings,
        bool originateTls = false, Destination? parent = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = parent is not null,
            Proxy = parent is { } via ? new WebProxy($"http://{via}") : null,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            PooledConnectionIdleTimeout = settings.Timeouts.UpstreamHttpIdle,
            PooledConnectionLifetime = Lifetime,
            MaxConnectionsPerServer = settings.Limits.MaxUpstreamHttpConnectionsPerDestination,
            ConnectCallback = originateTls
                ? (context, cancellationToken) => ConnectTlsAsync(connector, connections, settings, context, cancellationToken)
                : async (context, cancellationToken) =>
                    connections.Track(await connector.ConnectToAsync(parent ?? TargetOf(context), settings, cancellationToken)),
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>A plain connection goes where the plan of the request that caused it says, else where its URI names.</summary>
    private static Destination TargetOf(SocketsHttpConnectionContext context) =>
        context.InitialRequestMessage.Options.TryGetValue(DialPlan.Key, out var plan) ? plan.Target : ToDestination(context.DnsEndPoint);

    private static async ValueTask<Stream> ConnectTlsAsync(UpstreamConnector connector, UpstreamHttpConnections connections, EgressSnapshot settings, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        if (!context.InitialRequestMessage.Options.TryGetValue(DialPlan.Key, out var tls))
        {
            throw new InvalidOperationException("a TLS-originating request without its plan");
        }

        var socket = await connector.ConnectToAsync(tls.Target, settings, cancellationToken);
        var stream = new SslStream(connections.Track(socket));
        try
        {
            await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = tls.ServerName,
                RemoteCertificateValidationCallback = tls.TrustedCas is { } cas ? (_, certificate, _, errors) => Trusted(certificate, errors, cas) : null,
            }, cancellationToken);
            return stream;
        }
        catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
        {
            await stream.DisposeAsync();
            throw new UpstreamConnectException(ConnectFailureKind.Tls, $"TLS to {tls.Target} as '{tls.ServerName}' failed: {ex.Message}", ex);
        }
    }

    /// <summary>The name must match (checked by SslStream); the chain must end at one of the route's CAs.</summary>
    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection cas) =>
        (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0
        && CertificateTrust.ChainsTo(certificate, cas, CertificateTrust.ServerAuth);

    private static Destination ToDestination(DnsEndPoint endPoint)
    {
        var host = endPoint.Host.AsSpan().Trim("[]");
        if (IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return Destination.ForAddress(address, endPoint.Port);
        }

        if (!Destination.TryParseHost(host, endPoint.Port, out var destination, out var error))
        {
            throw new UpstreamConnectException(ConnectFailureKind.Dns, error);
        }

        return destination;
    }

    public void Dispose() => Invoker.Dispose();
}
