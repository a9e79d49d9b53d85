using System.Diagnostics;

namespace YarpEgress.Telemetry;

/// <summary>
/// The label set a session's traffic is measured under. A value, so sessions with equal labels share one series and one
/// closed-traffic total (<see cref="TrafficTotals"/>); the destination host is already capped by <see cref="DestinationLabels"/>,
/// the client's namespace and workload (present only with <c>Egress:Kubernetes:Enabled</c>) by <see cref="WorkloadLabels"/>.
/// </summary>
internal sealed record SessionLabels(string Listener, string Protocol, string DestinationHost, string DestinationPort, string Client, string? ClientAddress)
{
    public string? ClientNamespace { get; init; }

    public string? ClientWorkload { get; init; }

    public TagList ToTags()
    {
        var tags = new TagList
        {
            { "listener", Listener },
            { "protocol", Protocol },
            { "destination_host", DestinationHost },
            { "destination_port", DestinationPort },
            { "client", Client },
        };
        if (ClientAddress is not null)
        {
            tags.Add("client_address", ClientAddress);
        }

        if (ClientNamespace is not null)
        {
            tags.Add("client_namespace", ClientNamespace);
            tags.Add("client_workload", ClientWorkload);
        }

        return tags;
    }
}
