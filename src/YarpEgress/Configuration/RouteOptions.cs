namespace YarpEgress.Configuration;

/// <summary>
/// <c>Egress:Routes:N</c>: how an allowed destination is reached. First match wins, by host pattern and optional port.
/// The allowlist is always checked against the requested host; the route only changes where the gateway dials.
/// </summary>
public sealed class RouteOptions
{
    /// <summary>Host pattern, same syntax as the allowlist.</summary>
    public string? Host { get; set; }

    /// <summary>Only destinations on this port; omitted: any port.</summary>
    public int? Port { get; set; }

    /// <summary>Dial this fixed <c>host:port</c> instead of the requested destination (still under the address policy).</summary>
    public string? Upstream { get; set; }
}
