using Microsoft.AspNetCore.Connections.Features;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Authentication;

/// <summary>
/// The credentials a keep-alive connection last had accepted, so that its next request with the very same
/// <c>Proxy-Authorization</c> value is recognised by comparing the two strings, without decoding or the keyed hash.
/// Good only for the client directory it was accepted under (a reload ends it) and until the verification it rests
/// on expires. It holds the header value the client itself sent on this connection, nothing another client can reach.
/// </summary>
internal sealed class ConnectionCredentials
{
    private static readonly object Key = typeof(ConnectionCredentials);

    public string? Header { get; private set; }

    public ClientDirectory? Clients { get; private set; }

    public ClientPolicy? Client { get; private set; }

    /// <summary>When the verification behind it was made (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long VerifiedAt { get; private set; }

    /// <summary>The connection's memo, created on first use; null when the connection keeps no items.</summary>
    public static ConnectionCredentials? Of(HttpContext context)
    {
        if (context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items)
        {
            return null;
        }

        if (items.TryGetValue(Key, out var found))
        {
            return (ConnectionCredentials)found!;
        }

        var created = new ConnectionCredentials();
        items[Key] = created;
        return created;
    }

    public void Remember(string header, ClientDirectory clients, ClientPolicy client, long verifiedAt) =>
        (Header, Clients, Client, VerifiedAt) = (header, clients, client, verifiedAt);
}
