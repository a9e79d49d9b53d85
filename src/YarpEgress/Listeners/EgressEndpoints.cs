using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using YarpEgress.Upstream;

namespace YarpEgress.Listeners;

/// <summary>The listen options of every listener by name (and the admin listener), to read back the bound endpoints.</summary>
internal sealed class EgressEndpoints : IGatewayEndpoints
{
    public const string AdminName = "admin";

    private readonly Dictionary<string, ListenOptions> _listeners = new(StringComparer.OrdinalIgnoreCase);

    public void Add(string name, ListenOptions options) => _listeners[name] = options;

    /// <summary>Every listener's bound endpoint (the admin listener's too), for the address policy's "never dial yourself".</summary>
    public IEnumerable<IPEndPoint> BoundEndPoints()
    {
        foreach (var options in _listeners.Values)
        {
            if (options.IPEndPoint is { Port: > 0 } endPoint)
            {
                yield return endPoint;
            }
        }
    }

    /// <summary>The endpoint a listener is bound to; with port 0 in the config, the port the OS picked.</summary>
    public IPEndPoint GetBound(string name) => _listeners[name].IPEndPoint ?? throw new InvalidOperationException($"listener '{name}' is not an IP listener");
}
