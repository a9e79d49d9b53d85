using System.Collections.Concurrent;
using System.Net;

namespace YarpEgress.Listeners.Limits;

/// <summary>The connections one listener holds, in all and per client address.</summary>
internal sealed class ConnectionCounts
{
    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private int _total;

    /// <summary>Takes a slot unless a limit (0: none) is reached; then <paramref name="reason"/> names the limit.</summary>
    public bool TryEnter(IPAddress? client, int maxTotal, int maxPerClient, out string reason)
    {
        if (Interlocked.Increment(ref _total) > maxTotal && maxTotal > 0)
        {
            Interlocked.Decrement(ref _total);
            reason = "listener_limit";
            return false;
        }

        if (client is not null && _perClient.AddOrUpdate(client, 1, static (_, n) => n + 1) > maxPerClient && maxPerClient > 0)
        {
            Leave(client);
            reason = "client_limit";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    public void Exit(IPAddress? client)
    {
        if (client is not null)
        {
            Leave(client);
        }
        else
        {
            Interlocked.Decrement(ref _total);
        }
    }

    private void Leave(IPAddress client)
    {
        Interlocked.Decrement(ref _total);
        while (_perClient.TryGetValue(client, out var n))
        {
            if (n <= 1 ? _perClient.TryRemove(KeyValuePair.Create(client, n)) : _perClient.TryUpdate(client, n - 1, n))
            {
                return;
            }
        }
    }
}
