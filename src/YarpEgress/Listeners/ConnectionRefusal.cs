using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using YarpEgress.Proxying;
using Alert = YarpEgress.Tls.TlsAlert;
using YarpEgress.Transport;

namespace YarpEgress.Listeners;

/// <summary>
/// How a listener's connection stages (PROXY header, limits) refuse a connection, in the listener's dialect, chosen
/// once per listener in <see cref="ListenerPipeline"/>: the stages say what went wrong as a <see cref="ProxyError"/>.
/// </summary>
internal delegate Task ConnectionRefusal(ConnectionContext connection, ProxyError error);

/// <summary>The two dialects of <see cref="ConnectionRefusal"/>.</summary>
internal static class ConnectionRefusals
{
    /// <summary>HTTP listeners: the error as a complete HTTP/1.1 response, then close.</summary>
    public static ConnectionRefusal Http(TimeProvider time) => (connection, error) => RawResponseWriter.WriteErrorAndCloseAsync(connection, error, time);

    /// <summary>
    /// SNI listeners: a fatal alert. A request the client never finished (408) is closed without one; what it sent that
    /// is not what the listener speaks is a <c>handshake_failure</c>; the gateway's own refusals are <c>internal_error</c>.
    /// </summary>
    public static ConnectionRefusal TlsAlert(TimeProvider time) => (connection, error) => AlertOf(error) is { } alert
        ? connection.Features.GetRequiredFeature<IClientSendFeature>().SendFinalAsync(Alert.Fatal(alert), time)
        : Task.CompletedTask;

    internal static byte? AlertOf(in ProxyError error) => error.StatusCode switch
    {
        408 => null,
        < 500 => Alert.HandshakeFailure,
        _ => Alert.InternalError,
    };
}
