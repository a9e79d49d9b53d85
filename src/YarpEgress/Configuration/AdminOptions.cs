namespace YarpEgress.Configuration;

/// <summary>The admin listener (<c>Egress:Admin</c>): health, readiness, metrics, config and connections. It never proxies.</summary>
public sealed class AdminOptions
{
    public string Address { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 9901;

    /// <summary>
    /// Host names the admin listener answers besides IP literals and <c>localhost</c> (<c>"*"</c>: any); other names get
    /// 421, so a DNS-rebinding page cannot read it. Reloads live.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];
}
