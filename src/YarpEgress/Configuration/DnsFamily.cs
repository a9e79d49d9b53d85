namespace YarpEgress.Configuration;

/// <summary>Which resolved address families are dialed, and in which order.</summary>
public enum DnsFamily
{
    /// <summary>Every address, in the resolver's order.</summary>
    Any,

    V4Only,

    V6Only,

    /// <summary>IPv4 addresses first, then IPv6.</summary>
    V4First,
}
