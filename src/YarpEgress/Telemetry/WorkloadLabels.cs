using YarpEgress.Policy.Clients;

namespace YarpEgress.Telemetry;

/// <summary>
/// Caps the distinct <c>client_namespace</c>/<c>client_workload</c> label pairs, as <see cref="DestinationLabels"/> caps
/// destinations: the first N (namespace, workload) pairs keep their own labels, later ones are <c>other</c>/<c>other</c>,
/// and a connection whose pod is unknown is <c>-</c>/<c>-</c>. Pod names never become labels (one series per pod).
/// </summary>
internal sealed class WorkloadLabels(Func<int> limit)
{
    public static readonly (string Namespace, string Workload) Unknown = ("-", "-");
    public static readonly (string Namespace, string Workload) Other = ("other", "other");

    private readonly CappedLabels<(string Namespace, string Workload), (string Namespace, string Workload)> _labels = new(limit, Other);

    public (string Namespace, string Workload) For(WorkloadIdentity? identity) =>
        identity is null ? Unknown : _labels.For((identity.Namespace, identity.Workload), static key => key);
}
