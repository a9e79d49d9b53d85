using System.Net;
using k8s.Models;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Kubernetes;

/// <summary>
/// What a pod from the API becomes in the index, or null when it has no address of its own to index:
/// <list type="bullet">
/// <item>every address of <c>status.podIPs</c> (dual-stack pods have two; <c>status.podIP</c> when the list is absent);</item>
/// <item>not a <c>hostNetwork</c> pod: its address is the node's, shared with the node and every other such pod;</item>
/// <item>not a finished pod (<c>Succeeded</c>, <c>Failed</c>): its address is released and may be handed to a new pod;</item>
/// <item>workload: the <c>app.kubernetes.io/name</c> label, else <c>app</c>, else the controlling owner's name, with a
/// ReplicaSet's <c>-{pod-template-hash}</c> suffix taken off (the Deployment's name, as <c>kubectl get deploy</c> shows
/// it), else the pod's own name; the service account is <c>default</c> when the spec names none.</item>
/// </list>
/// </summary>
internal static class PodIdentity
{
    public static PodRecord? Of(V1Pod pod)
    {
        var meta = pod.Metadata;
        if (meta?.Uid is not { Length: > 0 } uid || meta.Name is not { Length: > 0 } name
            || pod.Spec?.HostNetwork == true || pod.Status?.Phase is "Succeeded" or "Failed")
        {
            return null;
        }

        var addresses = Addresses(pod.Status);
        if (addresses.Length == 0)
        {
            return null;
        }

        var identity = new WorkloadIdentity(meta.NamespaceProperty ?? "default", name, Workload(meta), pod.Spec?.ServiceAccountName is { Length: > 0 } account ? account : "default");
        return new PodRecord(uid, identity, addresses);
    }

    public static string Workload(V1ObjectMeta meta)
    {
        if ((Label(meta, "app.kubernetes.io/name") ?? Label(meta, "app")) is { } label)
        {
            return label;
        }

        V1OwnerReference? owner = null;
        foreach (var reference in meta.OwnerReferences ?? [])
        {
            owner ??= reference;
            if (reference.Controller == true)
            {
                owner = reference;
                break;
            }
        }

        if (owner?.Name is not { Length: > 0 } ownerName)
        {
            return meta.Name;
        }

        if (owner.Kind == "ReplicaSet" && Label(meta, "pod-template-hash") is { } hash && ownerName.Length > hash.Length + 1
            && ownerName.EndsWith(hash, StringComparison.Ordinal) && ownerName[^(hash.Length + 1)] == '-')
        {
            return ownerName[..^(hash.Length + 1)];
        }

        return ownerName;
    }

    private static string? Label(V1ObjectMeta meta, string key) =>
        meta.Labels is { } labels && labels.TryGetValue(key, out var value) && value is { Length: > 0 } ? value : null;

    private static IPAddress[] Addresses(V1PodStatus? status)
    {
        var addresses = new List<IPAddress>(2);
        foreach (var entry in status?.PodIPs ?? [])
        {
            Add(entry.Ip);
        }

        if (addresses.Count == 0)
        {
            Add(status?.PodIP);
        }

        return [.. addresses];

        void Add(string? text)
        {
            if (IPAddress.TryParse(text, out var address) && !addresses.Contains(address))
            {
                addresses.Add(address);
            }
        }
    }
}
