using System.Net;

namespace YarpEgress.Policy.Clients;

/// <summary>
/// <c>Egress:Clients</c>: picks the client of a connection or request. In config order, the first client whose
/// sources include the address (and whose namespaces or service accounts, if any, include its pod) and which needs no credentials, or whose <c>ProxyUser</c> and password the request
/// carries. When a client would match by source but wants credentials that are missing or wrong, the answer is a
/// challenge (407). Otherwise there is no client, and the global rules alone apply. Credentials are checked by
/// <see cref="Authentication.ProxyAuthenticator"/>, which walks <see cref="All"/> in this order.
/// </summary>
internal sealed class ClientDirectory
{
    private readonly IReadOnlyList<ClientPolicy> _clients;

    public ClientDirectory(IReadOnlyList<ClientPolicy> clients)
    {
        _clients = clients;
        foreach (var client in clients)
        {
            WantsCredentials |= client.ProxyUser is not null;
        }
    }

    public int Count => _clients.Count;

    /// <summary>The clients in config order.</summary>
    public IReadOnlyList<ClientPolicy> All => _clients;

    /// <summary>True when some client is recognised by proxy credentials.</summary>
    public bool WantsCredentials { get; }

    /// <summary>Identifies a connection that carries no usable credentials (every TLS connection, for one).</summary>
    /// <returns>False when the source belongs to a client that wants credentials (answer 407).</returns>
    public bool TryIdentify(IPAddress? source, out ClientPolicy? client) => TryIdentify(source, workload: null, out client);

    /// <param name="workload">The pod behind the source, when the pod index knows it.</param>
    public bool TryIdentify(IPAddress? source, WorkloadIdentity? workload, out ClientPolicy? client)
    {
        client = null;
        var challenged = false;
        foreach (var candidate in _clients)
        {
            if (candidate.IsCertificateOnly || !candidate.ComesFrom(source, workload))
            {
                continue;
            }

            if (candidate.ProxyUser is null)
            {
                client = candidate;
                return true;
            }

            challenged = true;
        }

        return !challenged;
    }

    /// <summary>The first client that owns one of a verified client certificate's names, or null.</summary>
    public ClientPolicy? ByCertificate(IReadOnlyList<string> names)
    {
        foreach (var candidate in _clients)
        {
            if (candidate.Owns(names))
            {
                return candidate;
            }
        }

        return null;
    }
}
