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

    /// <summary>Dial the requested host on this port instead (with <see cref="UpstreamTls"/>, the HTTPS port).</summary>
    public int? UpstreamPort { get; set; }

    /// <summary>
    /// Plain-HTTP listeners: forward the request over HTTPS (TLS originated by the gateway, certificate validated for the
    /// requested host), so plain-HTTP callers get TLS upstream and the gateway keeps per-request visibility.
    /// </summary>
    public bool UpstreamTls { get; set; }

    /// <summary>With <see cref="UpstreamTls"/>: the server name to send and validate instead of the requested host.</summary>
    public string? Sni { get; set; }

    /// <summary>With <see cref="UpstreamTls"/>: trust only the CAs in this PEM file instead of the system's.</summary>
    public string? CaPath { get; set; }

    /// <summary>
    /// Reach the destination through this parent HTTP proxy (<c>http://host:port</c>): CONNECT for tunnels and SNI,
    /// absolute-form requests for plain HTTP.
    /// </summary>
    public string? Via { get; set; }

    /// <summary>With <see cref="Via"/>: the <c>Proxy-Authorization</c> value to send the parent (e.g. <c>Basic ...</c>).</summary>
    [Secret]
    public string? ViaAuthorization { get; set; }
}
