namespace YarpEgress.Telemetry;

/// <summary>The <c>protocol</c> label: which path a connection or request took.</summary>
internal static class ProxyProtocol
{
    public const string Http = "http";
    public const string Connect = "connect";
    public const string Sni = "sni";
    public const string SniTerminate = "sni-terminate";
}
