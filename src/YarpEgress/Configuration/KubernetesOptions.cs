namespace YarpEgress.Configuration;

/// <summary>
/// <c>Egress:Kubernetes</c>: workload identity from the Kubernetes API. When enabled, the gateway lists and watches
/// Pods and keeps an index from pod IP to namespace, pod, workload and service account, for metrics, the access log,
/// <c>/connections</c> and <c>Egress:Clients:N:Namespaces</c> / <c>ServiceAccounts</c>. Bound at start-up: a change
/// needs a restart.
/// </summary>
public sealed class KubernetesOptions
{
    public bool Enabled { get; set; }

    /// <summary>A kubeconfig file (development); without one, the in-cluster service account config is used.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>The namespaces whose pods are watched (one watch each); empty: all namespaces (one cluster-wide watch).</summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>
    /// How long the index is trusted while the API cannot be reached: past it, the pods it holds are forgotten and
    /// connections are served on their address alone until the next list succeeds (a partitioned gateway would
    /// otherwise keep naming addresses that other pods may have taken meanwhile).
    /// </summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromMinutes(5);
}
