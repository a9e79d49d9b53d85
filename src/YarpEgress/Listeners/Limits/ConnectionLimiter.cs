using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Connections;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;
using YarpEgress.Tls;
using YarpEgress.Transport;

namespace YarpEgress.Listeners.Limits;

/// <summary>
/// The first connection middleware of every proxy listener: <c>Limits:MaxConnectionsPerListener</c> and
/// <c>Limits:MaxConnectionsPerClient</c>. A connection over a limit is answered (503 on HTTP listeners, an
/// <c>internal_error</c> alert on SNI listeners), counted, and closed; its slot is never taken.
/// </summary>
internal sealed partial class ConnectionLimiter(EgressConfigStore config, EgressMetrics metrics, TimeProvider time, ILogger<ConnectionLimiter> logger)
{
    private readonly ConcurrentDictionary<string, ConnectionCounts> _listeners = new(StringComparer.OrdinalIgnoreCase);

    public async Task OnConnectionAsync(ConnectionContext context, ConnectionDelegate next, string listener, bool tls)
    {
        var limits = config.Current.Limits;
        var counts = _listeners.GetOrAdd(listener, static _ => new ConnectionCounts());
        var client = (context.RemoteEndPoint as IPEndPoint)?.Address;
        if (!counts.TryEnter(client, limits.MaxConnectionsPerListener, limits.MaxConnectionsPerClient, out var reason))
        {
            metrics.Rejected.Add(1, new TagList { { "listener", listener }, { "reason", reason } });
            var limit = reason == "client_limit" ? $"{limits.MaxConnectionsPerClient} from {client}" : $"{limits.MaxConnectionsPerListener} on listener '{listener}'";
            LogRejected(logger, listener, context.RemoteEndPoint?.ToString(), limit);
            if (tls)
            {
                await ClientTransport.SendFinalAsync(context, ClientTransport.RawSocket(context), TlsAlert.Fatal(TlsAlert.InternalError), time);
            }
            else
            {
                await RawResponseWriter.WriteErrorAndCloseAsync(context, new ProxyError(503, "proxy_connection_limit", $"too many connections: the limit is {limit}"), time);
            }

            return;
        }

        try
        {
            await next(context);
        }
        finally
        {
            counts.Exit(client);
        }
    }

    [LoggerMessage(EventId = LogEvents.ConnectionLimitReached, EventName = nameof(LogEvents.ConnectionLimitReached), Level = LogLevel.Warning, Message = "Listener {Listener} refused {Client}: connection limit {Limit} reached")]
    private static partial void LogRejected(ILogger logger, string listener, string? client, string limit);
}
