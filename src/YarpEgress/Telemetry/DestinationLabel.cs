namespace YarpEgress.Telemetry;

/// <summary>
/// The <c>destination_host</c> and <c>destination_port</c> label values of one session, made once per distinct allowed
/// destination (so recording a metric formats nothing).
/// </summary>
internal sealed class DestinationLabel(string host, string port)
{
    /// <summary>No port label: the traffic was refused or unusable, and its port is the requester's choice.</summary>
    public const string NoPort = "-";

    public string Host { get; } = host;

    public string Port { get; } = port;
}
