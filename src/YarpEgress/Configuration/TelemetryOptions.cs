namespace YarpEgress.Configuration;

/// <summary><c>Egress:Telemetry</c>: what metrics may be labelled with, and how much the admin listener lists.</summary>
public sealed class TelemetryOptions
{
    /// <summary>Distinct allowed destinations (host and port) that get their own metric labels; the rest are labelled <c>other</c>.</summary>
    public int MaxDestinationLabels { get; set; } = 1000;

    /// <summary>
    /// With <c>Egress:Kubernetes:Enabled</c>: distinct client (namespace, workload) pairs that get their own
    /// <c>client_namespace</c> and <c>client_workload</c> labels; the rest are labelled <c>other</c>.
    /// </summary>
    public int MaxWorkloadLabels { get; set; } = 1000;

    /// <summary>Label metrics with the client's address (one series per client: only for small, known client sets).</summary>
    public bool ClientAddressLabel { get; set; }

    /// <summary>The most live connections <c>/connections</c> lists, newest first.</summary>
    public int MaxListedConnections { get; set; } = 1000;
}
