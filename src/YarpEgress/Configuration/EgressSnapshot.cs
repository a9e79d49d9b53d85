using System.Net;
using YarpEgress.Policy;
using YarpEgress.Policy.Clients;
using YarpEgress.Policy.Headers;
using YarpEgress.Routing;
using YarpEgress.Tls;

namespace YarpEgress.Configuration;

/// <summary>
/// One validated, compiled generation of the config. Immutable: a connection takes the current snapshot once and
/// keeps it, so a reload never changes the rules under a request that is already being served.
/// </summary>
internal sealed class EgressSnapshot(
    EgressOptions options,
    EgressPolicy policy,
    ClientDirectory clients,
    RouteTable routes,
    HostPins hostPins,
    IReadOnlyDictionary<string, TlsTermination> tlsTermination,
    IReadOnlyList<IPNetwork> privateAllow)
{
    public EgressOptions Options { get; } = options;

    public EgressPolicy Policy { get; } = policy;

    /// <summary><c>Egress:Clients</c>: who a connection belongs to, and the rules that adds.</summary>
    public ClientDirectory Clients { get; } = clients;

    /// <summary><c>Egress:Routes</c>: where allowed destinations are dialed.</summary>
    public RouteTable Routes { get; } = routes;

    public HostPins HostPins { get; } = hostPins;

    /// <summary>Certificates of Terminate-mode SNI listeners, by listener name; read per handshake, so a reload rotates them.</summary>
    public IReadOnlyDictionary<string, TlsTermination> TlsTermination { get; } = tlsTermination;

    /// <summary><c>Egress:PrivateNetworks:Allow</c>: private ranges the address policy lets through.</summary>
    public IReadOnlyList<IPNetwork> PrivateAllow { get; } = privateAllow;

    /// <summary><c>Egress:Admin:AllowedHosts</c>: the Host names the admin listener answers.</summary>
    public AdminHostFilter AdminHosts { get; init; } = AdminHostFilter.Default;

    /// <summary><c>Egress:Policy:SniMatchExemptPorts</c>: ports whose CONNECT tunnels skip the SNI match.</summary>
    public PortSet SniMatchExemptPorts { get; init; } = PortSet.None;
    /// <summary>What each listener may change on reload (origin-form handling, PROXY protocol sources), by name.</summary>
    public IReadOnlyDictionary<string, ListenerSettings> ListenerSettingsByName { get; init; } = new Dictionary<string, ListenerSettings>();

    /// <summary><c>Egress:Http:StripRequestHeaders</c>, compiled.</summary>
    public HeaderStripList StripRequestHeaders { get; init; } = HeaderStripList.Empty;

    /// <summary><c>Egress:Http:Via</c>: the entries to add, or null for <c>None</c>.</summary>
    public ViaHeader? Via { get; init; }

    public TimeoutOptions Timeouts => Options.Timeouts;

    /// <summary>The live settings of a listener (the defaults for a name this generation does not know).</summary>
    public ListenerSettings SettingsOf(string listener) => ListenerSettingsByName.GetValueOrDefault(listener) ?? ListenerSettings.Default;

    public LimitOptions Limits => Options.Limits;
}
