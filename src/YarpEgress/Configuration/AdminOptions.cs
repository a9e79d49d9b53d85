namespace YarpEgress.Configuration;

/// <summary>The admin listener (<c>Egress:Admin</c>): health and, later, metrics. It never proxies.</summary>
public sealed class AdminOptions
{
    public string Address { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 9901;
}
