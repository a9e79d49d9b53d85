namespace YarpEgress.Policy.Clients;

/// <summary>
/// <c>Egress:Clients:N:Namespaces</c> and <c>ServiceAccounts</c> (<c>namespace/name</c>): a client with either list
/// matches a connection whose pod is in one of the namespaces or runs as one of the service accounts. An unknown
/// identity (the pod index has not seen the address, or is off) matches neither, so such a connection falls back to the
/// next client or to the global rules.
/// </summary>
internal sealed class WorkloadSelector(IReadOnlyList<string> namespaces, IReadOnlyList<(string Namespace, string Name)> serviceAccounts)
{
    public static readonly WorkloadSelector Any = new([], []);

    /// <summary>No namespace and no service account listed: the selector does not narrow anything.</summary>
    public bool IsAny { get; } = namespaces.Count == 0 && serviceAccounts.Count == 0;

    public bool Matches(WorkloadIdentity? identity)
    {
        if (IsAny)
        {
            return true;
        }

        if (identity is null)
        {
            return false;
        }

        for (var i = 0; i < namespaces.Count; i++)
        {
            if (string.Equals(namespaces[i], identity.Namespace, StringComparison.Ordinal))
            {
                return true;
            }
        }

        for (var i = 0; i < serviceAccounts.Count; i++)
        {
            var (ns, name) = serviceAccounts[i];
            if (string.Equals(ns, identity.Namespace, StringComparison.Ordinal) && string.Equals(name, identity.ServiceAccount, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
