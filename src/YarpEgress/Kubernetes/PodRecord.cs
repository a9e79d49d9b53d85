using System.Net;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Kubernetes;

/// <summary>
/// What the index keeps of one pod: its UID (names are reused, UIDs are not), its addresses and its identity. Compared
/// by reference: the index removes an address only while it still maps to this very record.
/// </summary>
internal sealed class PodRecord(string uid, WorkloadIdentity identity, IPAddress[] addresses)
{
    public string Uid { get; } = uid;

    public WorkloadIdentity Identity { get; } = identity;

    public IPAddress[] Addresses { get; } = addresses;

    public string Namespace => Identity.Namespace;
}
