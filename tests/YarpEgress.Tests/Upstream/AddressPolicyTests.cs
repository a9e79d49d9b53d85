using System.Net;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Listeners;
using YarpEgress.Upstream;

namespace YarpEgress.Tests.Upstream;

public sealed class AddressPolicyTests
{
    private static Checker Policy(params string[] allow)
    {
        var errors = new List<string>();
        var snapshot = EgressConfigCompiler.Compile(new EgressOptions
        {
            Listeners = [new ListenerOptions { Name = "proxy", Port = 3128 }],
            PrivateNetworks = new PrivateNetworkOptions { Allow = [.. allow] },
        }, errors);
        Assert.Empty(errors);
        return new Checker(new AddressPolicy(new EgressEndpoints()), snapshot!.PrivateAllow);
    }

    /// <summary>The policy with the allow list of one snapshot, as the connector calls it.</summary>
    private sealed class Checker(AddressPolicy policy, IReadOnlyList<IPNetwork> allow)
    {
        public bool IsAllowed(IPAddress address, int port, out string reason) => policy.IsAllowed(address, port, allow, out reason);
    }

    [Theory]
    // IPv4: every private or special class, with its edges.
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.255.255.255", "unspecified")]
    [InlineData("10.0.0.0", "private (RFC 1918)")]
    [InlineData("10.255.255.255", "private (RFC 1918)")]
    [InlineData("100.64.0.0", "carrier-grade NAT")]
    [InlineData("100.127.255.255", "carrier-grade NAT")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("169.254.0.1", "link-local")]
    [InlineData("172.16.0.0", "private (RFC 1918)")]
    [InlineData("172.31.255.255", "private (RFC 1918)")]
    [InlineData("192.168.0.1", "private (RFC 1918)")]
    [InlineData("192.168.255.255", "private (RFC 1918)")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.255", "multicast")]
    [InlineData("255.255.255.255", "reserved or broadcast")]
    // IPv6 classes.
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fdff:ffff::1", "unique-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("febf:ffff::1", "link-local")]
    [InlineData("ff02::1", "multicast")]
    // IPv4 hidden in IPv6 forms.
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("::ffff:10.0.0.5", "private (RFC 1918)")]
    [InlineData("64:ff9b::a00:5", "private (RFC 1918)")]          // NAT64 of 10.0.0.5
    [InlineData("64:ff9b::a9fe:a9fe", "link-local (cloud metadata)")] // NAT64 of 169.254.169.254
    [InlineData("2002:a00:5::1", "private (RFC 1918)")]           // 6to4 of 10.0.0.5
    [InlineData("2002:7f00:1::", "loopback")]                     // 6to4 of 127.0.0.1
    [InlineData("::10.0.0.5", "private (RFC 1918)")]              // IPv4-compatible
    public void Denies_private_and_special_addresses_saying_which_and_why(string address, string why)
    {
        Assert.False(Policy().IsAllowed(IPAddress.Parse(address), 443, out var reason));
        Assert.Contains(why, reason, StringComparison.Ordinal);
        Assert.Contains(IPAddress.Parse(address).ToString(), reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.0")]
    [InlineData("169.253.255.255")]
    [InlineData("223.255.255.255")]
    [InlineData("8.8.8.8")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void Allows_public_addresses_at_the_edges_of_the_private_ranges(string address) =>
        Assert.True(Policy().IsAllowed(IPAddress.Parse(address), 443, out _));

    [Fact]
    public void PrivateNetworks_Allow_lets_listed_ranges_through_in_every_form()
    {
        var policy = Policy("10.20.0.0/16", "fd00:1::/32");
        Assert.True(policy.IsAllowed(IPAddress.Parse("10.20.3.4"), 443, out _));
        Assert.True(policy.IsAllowed(IPAddress.Parse("::ffff:10.20.3.4"), 443, out _));
        Assert.True(policy.IsAllowed(IPAddress.Parse("fd00:1::5"), 443, out _));
        Assert.False(policy.IsAllowed(IPAddress.Parse("10.21.0.1"), 443, out _));
        Assert.False(policy.IsAllowed(IPAddress.Parse("169.254.169.254"), 80, out _));
    }
}
