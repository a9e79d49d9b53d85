using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using YarpEgress.Diagnostics;
using YarpEgress.Proxying;
using YarpEgress.Telemetry;

namespace YarpEgress.Listeners.Limits;

/// <summary>
/// <c>Limits:MaxConnectionsPerListener</c> and <c>Limits:MaxConnectionsPerClient</c>, one instance per listener with
/// its own counts. A connection over a limit is refused in the listener's dialect (<see cref="ConnectionRefusal"/>:
/// a 503 on HTTP listeners, an <c>internal_error</c> alert on SNI listeners), counted, and closed; its slot is never taken.
/// </summary>
internal sealed partial class ConnectionLimitMiddleware(
    ConnectionDelegate next,
    ListenerInfo listener,
    ConnectionCounts counts,
    ConnectionRefusal refuse,
    EgressMetrics metrics,
    ILogger<ConnectionLimitMiddleware> logger)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var context = connection.Features.GetRequiredFeature<ProxyContext>();
        var limits = context.Snapshot.Limits;
        var client = context.ClientAddress;
        if (!counts.TryEnter(client, limits.MaxConnectionsPerListener, limits.MaxConnectionsPerClient, out var reason))
        {
            metrics.Rejected.Add(1, new TagList { { "listener", listener.Name }, { "reason", reason } });
            var limit = reason == "client_limit" ? $"{limits.MaxConnectionsPerClient} from {client}" : $"{limits.MaxConnectionsPerListener} on listener '{listener.Name}'";
            LogRejected(logger, listener.Name, context.Client, limit);
            await refuse(connection, new ProxyError(503, "proxy_connection_limit", $"too many connections: the limit is {limit}"));
            return;
        }

        try
        {
            await next(connection);
        }
        finally
        {
            counts.Exit(client);
        }
    }

    [LoggerMessage(EventId = LogEvents.ConnectionLimitReached, EventName = nameof(LogEvents.ConnectionLimitReached), Level = LogLevel.Warning, Message = "Listener {Listener} refused {Client}: connection limit {Limit} reached")]
    private static partial void LogRejected(ILogger logger, string listener, System.Net.EndPoint? client, string limit);
}
