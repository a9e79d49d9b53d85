using System.Net;

namespace YarpEgress.Policy.Clients;

/// <summary>Where a client address's <see cref="WorkloadIdentity"/> is looked up (the Kubernetes pod index).</summary>
internal interface IWorkloadIdentities
{
    /// <summary>The identity of the pod that holds this address now, or null: unknown (not a pod, not yet seen, or no index).</summary>
    WorkloadIdentity? Find(IPAddress? address);
}
