using System.Net;
using YarpEgress.Configuration;
using YarpEgress.Upstream;

namespace YarpEgress.Tests.Upstream;

public sealed class DnsCacheTests
{
    private static readonly IPAddress[] Mixed = [IPAddress.Parse("2001:db8::1"), IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::2"), IPAddress.Parse("192.0.2.2")];

    [Theory]
    [InlineData(DnsFamily.Any, "2001:db8::1,192.0.2.1,2001:db8::2,192.0.2.2")]
    [InlineData(DnsFamily.V4Only, "192.0.2.1,192.0.2.2")]
    [InlineData(DnsFamily.V6Only, "2001:db8::1,2001:db8::2")]
    [InlineData(DnsFamily.V4First, "192.0.2.1,192.0.2.2,2001:db8::1,2001:db8::2")]
    public void Filters_and_orders_by_family(DnsFamily family, string expected) =>
        Assert.Equal(expected, string.Join(',', DnsCache.Filter(Mixed, family).Select(a => a.ToString())));
}
