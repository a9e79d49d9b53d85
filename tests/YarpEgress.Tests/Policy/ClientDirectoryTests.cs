using System.Net;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Tests.Policy;

public sealed class ClientDirectoryTests
{
    private static readonly string Hash = PasswordHash.Create("pw");

    private static ClientDirectory Directory()
    {
        var errors = new List<string>();
        var snapshot = EgressConfigCompiler.Compile(new EgressOptions
        {
            Listeners = [new ListenerOptions { Name = "proxy", Port = 3128 }],
            Clients =
            [
                new ClientOptions { Name = "ci", Sources = ["10.30.0.0/16"], ProxyUser = "ci", ProxyPasswordHash = Hash },
                new ClientOptions { Name = "payments", Sources = ["10.12.0.0/16"] },
                new ClientOptions { Name = "anywhere", ProxyUser = "roaming", ProxyPasswordHash = Hash },
            ],
        }, errors);
        Assert.Empty(errors);
        return snapshot!.Clients;
    }

    [Theory]
    [InlineData("10.12.1.1", true, "payments")]
    [InlineData("10.30.1.1", false, null)]                  // ci must authenticate
    [InlineData("192.0.2.1", false, null)]                  // "anywhere" wants credentials from any source
    [InlineData("::ffff:10.12.0.9", true, "payments")]
    public void Without_credentials_picks_the_client_by_source(string source, bool identified, string? name)
    {
        Assert.Equal(identified, Directory().TryIdentify(IPAddress.Parse(source), out var client));
        Assert.Equal(name, client?.Name);
    }

    [Fact]
    public void Password_hashes_verify_only_their_password_and_reject_malformed_text()
    {
        Assert.True(PasswordHash.TryParse(Hash, out var hash));
        Assert.True(hash.Verify("pw"u8, Pbkdf2KeyDerivation.Instance));
        Assert.False(hash.Verify("pW"u8, Pbkdf2KeyDerivation.Instance));
        Assert.NotEqual(Hash, PasswordHash.Create("pw")); // salted
        Assert.False(PasswordHash.TryParse("pw", out _));
        Assert.False(PasswordHash.TryParse("pbkdf2-sha256$10$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==", out _)); // too few iterations
        Assert.False(PasswordHash.TryParse("pbkdf2-sha256$100000$not base64$x", out _));
    }
}
