using YarpEgress.Addressing;

namespace YarpEgress.Tests.Policy;

public sealed class DestinationTests
{
    [Theory]
    [InlineData("example.com:443", null, "example.com", 443, false)]
    [InlineData("Example.COM.:8443", null, "example.com", 8443, false)]
    [InlineData("example.com", 80, "example.com", 80, false)]
    [InlineData("203.0.113.5:5432", null, "203.0.113.5", 5432, true)]
    [InlineData("[::1]:443", null, "::1", 443, true)]
    [InlineData("[2001:DB8::1]", 80, "2001:db8::1", 80, true)]
    [InlineData("[::ffff:203.0.113.5]:443", null, "203.0.113.5", 443, true)]
    [InlineData("bücher.example:443", null, "xn--bcher-kva.example", 443, false)]
    [InlineData("under_score.example:443", null, "under_score.example", 443, false)]
    [InlineData("1a.example:443", null, "1a.example", 443, false)]
    // Found by fuzzing (fuzz/corpus/destination): digits that IDN mapping makes ASCII were kept as a host name that
    // the resolver would read as an address.
    [InlineData("\uFF11\uFF12\uFF17\uFF0E\uFF10\uFF0E\uFF10\uFF0E\uFF11:443", null, "127.0.0.1", 443, true)]
    public void Parses_authorities(string authority, int? defaultPort, string host, int port, bool isAddress)
    {
        Assert.True(Destination.TryParse(authority, defaultPort, out var destination, out var error), error);
        Assert.Equal(host, destination.Host);
        Assert.Equal(port, destination.Port);
        Assert.Equal(isAddress, destination.IsAddress);
    }

    [Theory]
    [InlineData("example.com", "has no port")]
    [InlineData("example.com:", "invalid port")]
    [InlineData("example.com:0", "invalid port")]
    [InlineData("example.com:65536", "invalid port")]
    [InlineData("example.com:+443", "invalid port")]
    [InlineData("example.com:44a", "invalid port")]
    [InlineData("::1:443", "IPv6")]
    [InlineData("[::1", "without ']'")]
    [InlineData("[::1]x443", "not a port")]
    [InlineData("[example.com]:443", "not an IPv6 address")]
    [InlineData("[127.0.0.1]:443", "not an IPv6 address")]
    // What inet_aton would read as 127.0.0.1 is not a host name and not a strict IPv4 address.
    [InlineData("127.1:443", "not a valid IPv4 address")]
    [InlineData("2130706433:443", "not a valid IPv4 address")]
    [InlineData("0177.0.0.1:443", "not a valid IPv4 address")]
    [InlineData("0x7f.0.0.1:443", "not a valid IPv4 address")]
    [InlineData("256.1.1.1:443", "not a valid IPv4 address")]
    [InlineData("\u00B9:443", "not a valid IPv4 address")]           // superscript one: '1' once normalized
    [InlineData("8\u034F:443", "not a valid IPv4 address")]           // a digit with an ignored mark
    [InlineData("a..b:443", "empty label")]
    [InlineData(":443", "empty")]
    [InlineData("exa%mple.com:443", "has the character '%'")]
    public void Rejects_bad_authorities_with_a_reason(string authority, string reason)
    {
        Assert.False(Destination.TryParse(authority, null, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Formats_IPv6_in_brackets()
    {
        Destination.TryParse("[2001:db8::1]:443", null, out var v6, out _);
        Destination.TryParse("example.com:80", null, out var name, out _);
        Assert.Equal("[2001:db8::1]:443", v6.ToString());
        Assert.Equal("example.com:80", name.ToString());
    }
}
