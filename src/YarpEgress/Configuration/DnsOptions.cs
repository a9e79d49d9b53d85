namespace YarpEgress.Configuration;

/// <summary><c>Egress:Dns</c>.</summary>
public sealed class DnsOptions
{
    public DnsFamily Family { get; set; } = DnsFamily.Any;

    /// <summary>Longest a lookup may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an answer is reused (the OS resolver reports no TTL, so this is the TTL); 0 disables the cache.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most names held in the cache.</summary>
    public int MaxCacheEntries { get; set; } = 10_000;
}
