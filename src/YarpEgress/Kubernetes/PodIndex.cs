using System.Collections.Concurrent;
using System.Net;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Kubernetes;

/// <summary>
/// Pod IP to <see cref="WorkloadIdentity"/>, fed by the pod watch. Lookups are one dictionary read, without a lock;
/// changes take a lock and keep two invariants:
/// <list type="bullet">
/// <item>an address maps to the pod that claimed it last: a new pod that reuses an IP takes it over;</item>
/// <item>a pod's removal (a late DELETED, a relist that no longer lists it, an address it dropped) removes only the
/// addresses that still map to that pod, by UID, so it never takes away an address another pod holds now.</item>
/// </list>
/// </summary>
internal sealed class PodIndex : IWorkloadIdentities
{
    private readonly ConcurrentDictionary<IPAddress, PodRecord> _byAddress = new();
    private readonly Dictionary<string, PodRecord> _byUid = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Pods indexed (with at least one address).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byUid.Count;
            }
        }
    }

    public WorkloadIdentity? Find(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return _byAddress.TryGetValue(address, out var pod) ? pod.Identity : null;
    }

    /// <summary>An added or modified pod: it takes over its addresses, and gives up those it no longer has.</summary>
    public void Upsert(PodRecord pod)
    {
        lock (_gate)
        {
            // The new addresses first, then the old ones let go: a lookup never finds a gap for an address it keeps.
            foreach (var address in pod.Addresses)
            {
                _byAddress[address] = pod;
            }

            if (_byUid.Remove(pod.Uid, out var previous))
            {
                Release(previous);
            }

            _byUid[pod.Uid] = pod;
        }
    }

    /// <summary>A deleted (or finished, or no longer indexable) pod, by UID; unknown UIDs are ignored.</summary>
    public void Remove(string uid)
    {
        lock (_gate)
        {
            if (_byUid.Remove(uid, out var previous))
            {
                Release(previous);
            }
        }
    }

    /// <summary>
    /// A full list of <paramref name="scope"/> (a namespace, or null for all): pods of the scope that it no longer
    /// lists are removed, the listed ones upserted.
    /// </summary>
    public void Replace(string? scope, IReadOnlyList<PodRecord> pods)
    {
        lock (_gate)
        {
            var listed = new HashSet<string>(pods.Count, StringComparer.Ordinal);
            foreach (var pod in pods)
            {
                listed.Add(pod.Uid);
            }

            RemoveWhere(scope, uid => !listed.Contains(uid));
            foreach (var pod in pods)
            {
                Upsert(pod);
            }
        }
    }

    /// <summary>Forgets every pod of <paramref name="scope"/> (null: all).</summary>
    public void Clear(string? scope)
    {
        lock (_gate)
        {
            RemoveWhere(scope, static _ => true);
        }
    }

    private void RemoveWhere(string? scope, Func<string, bool> remove)
    {
        var gone = new List<PodRecord>();
        foreach (var pod in _byUid.Values)
        {
            if ((scope is null || pod.Namespace == scope) && remove(pod.Uid))
            {
                gone.Add(pod);
            }
        }

        foreach (var pod in gone)
        {
            _byUid.Remove(pod.Uid);
            Release(pod);
        }
    }

    /// <summary>Removes the pod's addresses that still map to it (another pod may have taken one over).</summary>
    private void Release(PodRecord pod)
    {
        foreach (var address in pod.Addresses)
        {
            _byAddress.TryRemove(KeyValuePair.Create(address, pod));
        }
    }
}
