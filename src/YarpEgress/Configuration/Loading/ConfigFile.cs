namespace YarpEgress.Configuration.Loading;

/// <summary>One file of the layered config, and where it was named: the built-in base, <c>--config</c> or <c>EGRESS_CONFIG</c>.</summary>
internal sealed record ConfigFile(string Path, string Origin)
{
    public const string BaseOrigin = "built-in base";
}
