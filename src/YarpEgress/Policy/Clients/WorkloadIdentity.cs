namespace YarpEgress.Policy.Clients;

/// <summary>
/// Who a client pod is in Kubernetes terms, as the pod index knows it from the API server: its namespace, its name, its
/// workload (the <c>app.kubernetes.io/name</c> or <c>app</c> label, else its owner's name) and its service account.
/// Compared by value, so a pod whose labels changed gets a new identity.
/// </summary>
internal sealed record WorkloadIdentity(string Namespace, string Pod, string Workload, string ServiceAccount);
