using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;
using YarpEgress.Tls;
using YarpEgress.Transport;

namespace YarpEgress.Listeners.ProxyHeaders;

/// <summary>
/// The first connection middleware of every proxy listener: PROXY protocol v1/v2 from the load balancers in the
/// listener's <c>ProxyProtocol:TrustedSources</c> (read per connection from the current snapshot, so it reloads).
/// A trusted peer's connection must start with a header, read within <c>Timeouts:RequestHead</c>; only the header's
/// bytes are consumed, and its source becomes the connection's <c>ConnectionContext.RemoteEndPoint</c>, which
/// every later reader (limits, clients, Kestrel's HTTP connection, telemetry) takes as the client. A PROXY header from
/// any other peer is refused on HTTP listeners; SNI listeners see it as what it is, not a ClientHello.
/// </summary>
internal sealed partial class ProxyHeaderMiddleware(EgressConfigStore config, EgressTelemetry telemetry, TimeProvider time, ILogger<ProxyHeaderMiddleware> logger)
{
    public async Task OnConnectionAsync(ConnectionContext context, ConnectionDelegate next, string listener, bool tls)
    {
        var snapshot = config.Current;
        var peer = context.RemoteEndPoint as IPEndPoint;
        var trusted = snapshot.SettingsOf(listener).TrustsProxyHeaderFrom(peer?.Address);
        if (!trusted && tls)
        {
            await next(context);
            return;
        }

        var read = await ReadAsync(context, trusted, snapshot.Timeouts.RequestHead);
        switch (read.Status)
        {
            case ProxyHeaderStatus.NotProxy when !trusted:
                await next(context);
                return;
            case ProxyHeaderStatus.Complete when trusted:
                if (read.Header.Source is { } source)
                {
                    // An IPv4-mapped source (TCP6 ::ffff:10.1.2.3) is the IPv4 client, as Egress:Clients CIDRs write it.
                    context.RemoteEndPoint = source.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(source.Address.MapToIPv4(), source.Port) : source;
                }

                await next(context);
                return;
            case ProxyHeaderStatus.Incomplete when !read.TimedOut:
                return; // the peer went away
        }

        var reason = read.TimedOut ? $"no complete PROXY protocol header within {snapshot.Timeouts.RequestHead.TotalSeconds:0.###} s"
            : !trusted ? $"a PROXY protocol header from {peer?.Address}, which is not in this listener's ProxyProtocol:TrustedSources"
            : read.Status == ProxyHeaderStatus.NotProxy ? $"{peer?.Address} is a trusted load balancer (ProxyProtocol:TrustedSources) but sent no PROXY protocol header"
            : $"invalid PROXY protocol header: {read.Error}";
        await RefuseAsync(context, listener, tls, reason, read.TimedOut);
    }

    private async Task<(ProxyHeaderStatus Status, ProxyHeader Header, string Error, bool TimedOut)> ReadAsync(ConnectionContext context, bool trusted, TimeSpan timeout)
    {
        var input = context.Transport.Input;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.ConnectionClosed);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(cancel.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return (ProxyHeaderStatus.Incomplete, default, string.Empty, true);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ConnectionResetException or ConnectionAbortedException or IOException)
            {
                return (ProxyHeaderStatus.Incomplete, default, string.Empty, false);
            }

            var buffer = result.Buffer;
            ProxyHeader header = default;
            var length = 0;
            var error = string.Empty;

            // From an untrusted peer the signature alone decides: there is no header to wait for.
            var status = trusted ? ProxyHeaderParser.TryParse(buffer, out header, out length, out error) : ProxyHeaderParser.MatchSignature(buffer, out _);
            if (status == ProxyHeaderStatus.Incomplete && !result.IsCompleted)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            // Only a trusted header is consumed; everything else stays for whoever reads next.
            input.AdvanceTo(status == ProxyHeaderStatus.Complete && trusted ? buffer.GetPosition(length) : buffer.Start);
            return (status, header, error, false);
        }
    }

    private async Task RefuseAsync(ConnectionContext context, string listener, bool tls, string reason, bool timedOut)
    {
        using var session = telemetry.Begin(listener, tls ? ProxyProtocol.Sni : ProxyProtocol.Http, context.RemoteEndPoint);
        session.Rejected(timedOut ? ConnectionEnd.Timeout : ConnectionEnd.BadProxyHeader, requested: null);
        LogRefused(logger, session.Id, listener, context.RemoteEndPoint, reason);
        if (tls)
        {
            if (!timedOut)
            {
                await ClientTransport.SendFinalAsync(context, ClientTransport.RawSocket(context), TlsAlert.Fatal(TlsAlert.HandshakeFailure), time);
            }

            return;
        }

        var error = timedOut ? new ProxyError(408, "http_request_error", reason) : ProxyError.BadRequest(reason);
        session.StatusCode = error.StatusCode;
        await RawResponseWriter.WriteErrorAndCloseAsync(context, error, time);
    }

    [LoggerMessage(EventId = LogEvents.ProxyHeaderRefused, EventName = nameof(LogEvents.ProxyHeaderRefused), Level = LogLevel.Information, Message = "#{SessionId} listener {Listener} refused {Peer}: {Reason}")]
    private static partial void LogRefused(ILogger logger, long sessionId, string listener, EndPoint? peer, string reason);
}
