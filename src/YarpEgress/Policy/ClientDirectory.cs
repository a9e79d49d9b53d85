using System.Net;
using System.Text;

namespace YarpEgress.Policy;

/// <summary>
/// <c>Egress:Clients</c>: picks the client of a connection or request. In config order, the first client whose
/// sources include the address and which needs no credentials, or whose <c>ProxyUser</c> and password the request
/// carries. When a client would match by source but wants credentials that are missing or wrong, the answer is a
/// challenge (407). Otherwise there is no client, and the global rules alone apply.
/// </summary>
internal sealed class ClientDirectory(IReadOnlyList<ClientPolicy> clients)
{
    public int Count => clients.Count;

    /// <returns>False when credentials are required and missing or wrong (answer 407).</returns>
    public bool TryIdentify(IPAddress? source, string? proxyAuthorization, out ClientPolicy? client)
    {
        client = null;
        if (clients.Count == 0)
        {
            return true;
        }

        var (user, password) = ParseBasic(proxyAuthorization);
        var challenged = false;
        foreach (var candidate in clients)
        {
            if (candidate.IsCertificateOnly || !candidate.ComesFrom(source))
            {
                continue;
            }

            if (candidate.ProxyUser is null || (user is not null && candidate.Accepts(user, password!)))
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
        foreach (var candidate in clients)
        {
            if (candidate.Owns(names))
            {
                return candidate;
            }
        }

        return null;
    }

    private static (string? User, string? Password) ParseBasic(string? header)
    {
        const string scheme = "Basic ";
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return (null, null);
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[scheme.Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? (null, null) : (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return (null, null);
        }
    }
}
