using System.Net;
using YarpEgress.Configuration;
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

    [Fact]
    public void Client_config_errors_name_their_key()
    {
        var errors = new List<string>();
        EgressConfigCompiler.Compile(new EgressOptions
        {
            Listeners = [new ListenerOptions { Name = "proxy", Port = 3128 }],
            Clients =
            [
                new ClientOptions { Name = "a", Sources = ["10.0.0.1/8"] },
                new ClientOptions { Name = "a", ProxyUser = "u", ProxyPasswordHash = "plaintext" },
                new ClientOptions { Name = "c" },
                new ClientOptions { Name = "d", Sources = ["10.0.0.0/8"], Allow = [new RuleOptions { Host = "w*w.x" }] },
            ],
        }, errors);
        Assert.Equal(
            [
                "Egress:Clients:0:Sources:0: '10.0.0.1/8' is not a CIDR range (address/prefix with no host bits set, or one address)",
                "Egress:Clients:1:Name: 'a' is used by another client",
                "Egress:Clients:1:ProxyPasswordHash: give the hash printed by 'YarpEgress hash-password' (pbkdf2-sha256$...), never the password",
                "Egress:Clients:2: a client needs Sources, a ProxyUser or CertificateNames",
                "Egress:Clients:3:Allow:0:Host: 'w*w.x' is not a valid host pattern: '*' must stand alone in a label ('w*w')",
            ],
            errors);
    }
}
