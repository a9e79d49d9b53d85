
namespace YarpEgress.Tests.Configuration.Compilation;

/// <summary><c>Egress:Listeners</c> and the admin endpoint (<see cref="YarpEgress.Configuration.Compilation.ListenerCompiler"/>).</summary>
public sealed class ListenerCompilerTests : IDisposable
{
    private readonly LoadedConfig _config = new();

    private List<string> Errors(string json) => _config.Errors(json);

    [Fact]
    public void Reports_an_unknown_protocol_with_its_key_path()
    {
        var errors = Errors("""{ "Egress": { "Listeners": [ { "Name": "p", "Port": 1, "Protocol": "Socks" } ] } }""");
        var error = Assert.Single(errors);
        Assert.StartsWith("Egress:Listeners:0:", error, StringComparison.Ordinal);
        Assert.Contains("Socks", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validates_SNI_listener_keys()
    {
        const string Listeners = """
            { "Name": "proxy", "Port": 3128, "UpstreamPort": 443 },
            { "Name": "tls", "Port": 8443, "Protocol": "Sni", "UpstreamPort": 0, "DefaultHost": "bad..host" },
            { "Name": "term", "Port": 15443, "Protocol": "Sni", "Tls": { "Mode": "Terminate", "CertificatePath": "/nonexistent/tls.crt", "KeyPath": "/nonexistent/tls.key" } },
            { "Name": "term2", "Port": 15444, "Protocol": "Sni", "Tls": { "Mode": "Terminate" } },
            { "Name": "pass", "Port": 15445, "Protocol": "Sni", "Tls": { "Mode": "Passthrough", "KeyPath": "/x" } }
            """;
        var errors = Errors($$"""
            { "Egress": { "Listeners": [ {{Listeners}}, { "Name": "typo", "Port": 15446, "Protocol": "Sni", "Tls": { "Mdoe": "Terminate" } } ] } }
            """);
        Assert.Contains("Egress:Listeners:5:Tls:Mdoe: unknown key (known: Mode, CertificatePath, KeyPath, ClientCaPath)", errors);
        Assert.Contains("Egress:Listeners:1:UpstreamPort: 0 is not a port (1-65535)", errors); // reported in the same pass

        errors = Errors($$"""
            { "Egress": { "Listeners": [ {{Listeners}} ], "Timeouts": { "ClientHello": "00:00:00" } } }
            """);
        Assert.Equal(
            [
                "Egress:Listeners:0: UpstreamPort, DefaultHost and Tls apply to Sni listeners only",
                "Egress:Listeners:1:UpstreamPort: 0 is not a port (1-65535)",
                "Egress:Listeners:1:DefaultHost: 'bad..host' is not a valid host name: it has an empty label",
                errors[3], // the certificate load error, whose wording is the runtime's
                "Egress:Listeners:3:Tls:CertificatePath: Terminate mode needs a PEM certificate",
                "Egress:Listeners:3:Tls:KeyPath: Terminate mode needs the certificate's PEM private key",
                "Egress:Listeners:4:Tls: certificate paths apply to Mode Terminate only; Passthrough never touches TLS",
                "Egress:Timeouts:ClientHello: must be positive, got 00:00:00",
            ],
            errors);
        Assert.StartsWith("Egress:Listeners:2:Tls:CertificatePath: cannot load '/nonexistent/tls.crt'", errors[3], StringComparison.Ordinal);
    }

    public void Dispose() => _config.Dispose();
}
