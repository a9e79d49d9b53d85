using System.Net;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Tests.Configuration.Compilation;

/// <summary><c>Egress:Clients</c> (<see cref="ClientCompiler"/>).</summary>
public sealed class ClientCompilerTests
{
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
                "Egress:Clients:2: a client needs Sources, a ProxyUser, CertificateNames, Namespaces or ServiceAccounts",
                "Egress:Clients:3:Allow:0:Host: 'w*w.x' is not a valid host pattern: '*' must stand alone in a label ('w*w')",
            ],
            errors);
    }

    [Fact]
    public void Reports_credentials_that_cannot_work_and_leaves_the_client_out()
    {
        var errors = new List<string>();
        var directory = ClientCompiler.Compile(
            [
                new ClientOptions { Sources = ["10.0.0.0/8"] },
                new ClientOptions { Name = "colon", ProxyUser = "a:b", ProxyPasswordHash = PasswordHash.Create("pw") },
                new ClientOptions { Name = "hash-only", Sources = ["10.1.0.0/16"], ProxyPasswordHash = PasswordHash.Create("pw") },
                new ClientOptions { Name = "good", Sources = ["10.2.0.0/16"], Deny = [new RuleOptions { Host = "x.example" }] },
            ],
            kubernetes: false,
            new ConfigErrors(errors));
        Assert.Equal(
            [
                "Egress:Clients:0:Name: a client needs a name",
                "Egress:Clients:1:ProxyUser: a user name, without ':'",
                "Egress:Clients:2:ProxyPasswordHash: applies with ProxyUser only",
            ],
            errors);
        var good = Assert.Single(directory.All);
        Assert.Equal("good", good.Name);
        Assert.True(good.ComesFrom(IPAddress.Parse("10.2.3.4"), workload: null));
    }
}
