using YarpEgress.Diagnostics;

namespace YarpEgress.Telemetry;

/// <summary>
/// One structured event per finished request or connection, in category <c>YarpEgress.AccessLog</c> (route or
/// silence it on its own; <c>Logging:Console:FormatterName=json</c> writes every field as JSON). <c>start</c> is ISO 8601
/// UTC with milliseconds; an IPv6 host is in brackets. The client's pod (namespace, name, workload, service account)
/// is <c>-</c> when the Kubernetes pod index is off or does not know the address.
/// </summary>
internal static partial class AccessLog
{
    public const string Category = "YarpEgress.AccessLog";

    [LoggerMessage(EventId = LogEvents.Access, EventName = nameof(LogEvents.Access), Level = LogLevel.Information,
        Message = "{Protocol} {Listener} {Client} client={ClientName} -> {Host}:{Port} {Decision} rule={Rule} status={Status} upstream={Upstream} alpn={Alpn} " +
                  "client_bytes_in={BytesFromClient} client_bytes_out={BytesToClient} duration_ms={DurationMs} end={End} start={Start} " +
                  "namespace={ClientNamespace} pod={ClientPod} workload={ClientWorkload} service_account={ClientServiceAccount}")]
    public static partial void Write(ILogger logger, string protocol, string listener, string client, string clientName, string? host, int port, string decision,
        string? rule, int? status, string? upstream, string? alpn, long bytesFromClient, long bytesToClient, double durationMs, string end, string start,
        string clientNamespace, string clientPod, string clientWorkload, string clientServiceAccount);
}
