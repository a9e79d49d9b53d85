using YarpEgress.Bench;

namespace YarpEgress.Tests.Bench;

public sealed class BenchOptionsTests
{
    [Fact]
    public void Proxy_credentials_become_a_Basic_Proxy_Authorization_line()
    {
        var options = BenchOptions.Parse(["--scenario", "http-get", "--proxy-credentials", "bench:bench-secret"]);
        Assert.Equal("bench:bench-secret", options.ProxyCredentials);
        Assert.Equal("Proxy-Authorization: Basic YmVuY2g6YmVuY2gtc2VjcmV0\r\n", options.ProxyAuthorizationLine);
        Assert.Equal(string.Empty, BenchOptions.Parse(["--scenario", "http-get"]).ProxyAuthorizationLine);
    }

    [Fact]
    public void Proxy_credentials_need_a_colon()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--scenario", "connect-newconn", "--proxy-credentials", "bench"]));
        Assert.Equal("--proxy-credentials must be user:password", error.Message);
    }
}
