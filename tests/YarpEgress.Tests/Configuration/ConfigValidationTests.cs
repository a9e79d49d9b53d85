using YarpEgress.Configuration;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Configuration;

public sealed class ConfigValidationTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    private List<string> Errors(string json)
    {
        var errors = new List<string>();
        var snapshot = EgressConfigLoader.Load(ConfigFiles.Load(_files.Write(json)), errors);
        Assert.True(snapshot is null == errors.Count > 0);
        return errors;
    }

    [Fact]
    public void Reports_every_error_at_once_with_its_key_path()
    {
        var errors = Errors("""
            {
              "Egress": {
                "Listeners": [
                  { "Name": "proxy", "Address": "0.0.0.0", "Port": 3128 },
                  { "Name": "proxy", "Address": "not-an-ip", "Port": 70000 },
                  { "Name": "", "Address": "0.0.0.0", "Port": 3128 }
                ],
                "Admin": { "Address": "127.0.0.1", "Port": 9901 },
                "Allow": [
                  { "Host": "example.com" },
                  { "Host": "*.wikipedia.org", "Ports": [443] },
                  { "Host": "**.qq.com", "Cidr": "10.0.0.0/8" },
                  { "Host": "*.*x" },
                  { "Cidr": "10.0.0.1/8" },
                  { "Host": "ok.example", "Ports": ["80", "http"] },
                  { }
                ],
                "Deny": [ { "Host": "a.**.b" } ],
                "Hosts": { "mirror.example": "10.1.2.3", "bad..name": "10.0.0.1", "other.example": "nope" },
                "Timeouts": { "Connect": "-00:00:01" },
                "Limits": { "MaxRequestHeadBytes": 10 }
              }
            }
            """);
        Assert.Equal(
            [
                "Egress:Listeners:1:Name: 'proxy' is used by another listener",
                "Egress:Listeners:1:Address: 'not-an-ip' is not an IP address (use 0.0.0.0 or :: for all interfaces)",
                "Egress:Listeners:1:Port: 70000 is not a port (0-65535, 0 picks a free one)",
                "Egress:Listeners:2:Name: a listener needs a name",
                "Egress:Listeners:2: 0.0.0.0:3128 is already used by Egress:Listeners:0",
                "Egress:Allow:2: give either Host or Cidr, not both",
                "Egress:Allow:3:Host: '*.*x' is not a valid host pattern: '*' must stand alone in a label ('*x')",
                "Egress:Allow:4:Cidr: '10.0.0.1/8' is not a CIDR range (address/prefix with no host bits set, or one address)",
                "Egress:Allow:5:Ports:1: 'http' is not a port (1-65535) or a port range such as 8000-8100",
                "Egress:Allow:6: give either Host or Cidr",
                "Egress:Deny:0:Host: 'a.**.b' is not a valid host pattern: '**' may only stand as the leftmost label",
                "Egress:Hosts:bad..name: 'bad..name' is not a valid host name: it has an empty label",
                "Egress:Hosts:other.example: 'nope' is not an IP address",
                "Egress:Hosts:other.example: give one or more IP addresses, comma-separated",
                "Egress:Timeouts:Connect: must be positive, got -00:00:01",
                "Egress:Limits:MaxRequestHeadBytes: 10 is outside 1024-1048576",
            ],
            errors);
    }

    [Fact]
    public void Reports_wrong_types_and_unknown_keys_beside_other_errors()
    {
        var errors = Errors("""
            {
              "Egress": {
                "Listeners": [ { "Name": "proxy", "Port": "31x28" }, { "Name": "b", "Port": 1, "Protocl": "Http" } ],
                "Alow": [ { "Host": "example.com" } ],
                "Allow": [ { "Host": "w*w.qq.com" } ]
              }
            }
            """);
        // Keys bind in the configuration's (sorted) order, then the semantic checks run: all in one pass.
        Assert.Equal(
            [
                errors[0],
                "Egress:Listeners:0:Port: '31x28' is not a whole number",
                "Egress:Listeners:1:Protocl: unknown key (known: Name, Address, Port, Protocol, UpstreamPort, DefaultHost, Tls, OriginForm, ProxyProtocol)",
                "Egress:Allow:0:Host: 'w*w.qq.com' is not a valid host pattern: '*' must stand alone in a label ('w*w')",
            ],
            errors);
        Assert.StartsWith("Egress:Alow: unknown key (known: Listeners, Admin, Allow, ", errors[0], StringComparison.Ordinal);
    }

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

    [Fact]
    public void Validates_routes()
    {
        const string Routes = """
            { "Host": "**.ok.example", "Upstream": "mirror.internal:443" },
            { "Host": "a..b", "Port": 70000, "Upstream": "x" },
            { "Host": "c.example" }
            """;
        var errors = Errors($$"""
            { "Egress": { "Listeners": [ { "Name": "proxy", "Port": 3128 } ], "Routes": [ {{Routes}}, { "Host": "d.example", "Mirror": "http://parent:3128", "Upstream": "d:1" } ] } }
            """);
        Assert.Equal(
            [
                "Egress:Routes:3:Mirror: unknown key (known: Host, Port, Upstream, UpstreamPort, UpstreamTls, Sni, CaPath, Via, ViaAuthorization)",
                "Egress:Routes:1:Host: 'a..b' is not a valid host pattern: it has an empty label",
                "Egress:Routes:1:Port: 70000 is not a port (1-65535)",
                "Egress:Routes:1:Upstream: 'x' has no port",
                "Egress:Routes:2: a route needs Upstream, UpstreamPort, UpstreamTls or Via",
            ],
            errors);

        errors = Errors($$"""
            {
              "Egress": {
                "Listeners": [ { "Name": "proxy", "Port": 3128 } ],
                "Routes": [
                  {{Routes}},
                  { "Host": "d.example", "Upstream": "d:1", "UpstreamPort": 2, "Sni": "x.example" },
                  { "Host": "e.example", "UpstreamTls": true, "Sni": "bad..sni", "CaPath": "/nonexistent/ca.pem" },
                  { "Host": "**.aliyuncs.com", "Port": 80, "UpstreamTls": true, "UpstreamPort": 443 },
                  { "Host": "f.example", "Via": "socks5://parent:1080" },
                  { "Host": "g.example", "Via": "http://parent.corp:3128", "UpstreamTls": true },
                  { "Host": "h.example", "Upstream": "h:1", "ViaAuthorization": "Basic eA==" },
                  { "Host": "**", "Via": "http://parent.corp", "ViaAuthorization": "Basic eA==" }
                ]
              }
            }
            """);
        Assert.Equal(
            [
                "Egress:Routes:1:Host: 'a..b' is not a valid host pattern: it has an empty label",
                "Egress:Routes:1:Port: 70000 is not a port (1-65535)",
                "Egress:Routes:1:Upstream: 'x' has no port",
                "Egress:Routes:2: a route needs Upstream, UpstreamPort, UpstreamTls or Via",
                "Egress:Routes:3: give Upstream (host:port) or UpstreamPort (same host), not both",
                "Egress:Routes:3: Sni and CaPath apply with UpstreamTls only",
                "Egress:Routes:4:Sni: 'bad..sni' is not a valid host name: it has an empty label",
                errors[7],
                "Egress:Routes:6:Via: 'socks5://parent:1080' is not a parent proxy address such as http://proxy.corp:3128",
                "Egress:Routes:7: Via and UpstreamTls do not combine (the parent proxy carries plain HTTP as it is)",
                "Egress:Routes:8:ViaAuthorization: applies with Via only",
            ],
            errors);
        Assert.StartsWith("Egress:Routes:4:CaPath: cannot load '/nonexistent/ca.pem'", errors[7], StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_broken_json_with_the_file_and_line()
    {
        var errors = Errors("{\n  \"Egress\": {\n    \"Listeners\": [ }\n}");
        var error = Assert.Single(errors);
        Assert.Contains("invalid JSON at line 3", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_config_file_shipped_in_appsettings_and_bench_is_valid_over_the_base()
    {
        var basePath = Path.Combine(AppContext.BaseDirectory, "appsettings", "appsettings.json");
        string[] files = [.. Directory.GetFiles(RepositoryFiles.PathOf("appsettings"), "*.json"), RepositoryFiles.PathOf("bench", "perf-kit.json")];
        Assert.True(files.Length >= 4, string.Join(", ", files));
        foreach (var file in files)
        {
            var errors = new List<string>();
            var copy = RepositoryFiles.WithMountedSecrets(file);
            try
            {
                Assert.NotNull(EgressConfigLoader.Load(ConfigFiles.Load(basePath, copy), errors));
                Assert.True(errors.Count == 0, $"{file}: {string.Join("; ", errors)}");
            }
            finally
            {
                Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
            }
        }
    }

    [Fact]
    public void A_value_that_does_not_convert_hides_no_other_error_and_adds_no_misleading_one()
    {
        var errors = Errors("""
            {
              "Egress": {
                "Listeners": [ { "Name": "sni", "Port": 8443, "Protocol": "sni-passthrough", "UpstreamPort": 443 } ],
                "Allow": "example.com",
                "Deny": [ { "Host": "x.example", "Mode": 1 }, { "Hots": "y.example" } ],
                "Policy": { "RequireTlsSniMatch": "yes" },
                "CircuitBreaker": { "FailureRatio": "half" },
                "Hosts": { "a.example": { "nested": "10.0.0.1" } },
                "Timeouts": { "Connect": "00:00:00" }
              }
            }
            """);
        Assert.Equal(
            [
                "Egress:Allow: expected a list, found the value 'example.com'",
                "Egress:CircuitBreaker:FailureRatio: 'half' is not a number",
                "Egress:Deny:0:Mode: '1' is not one of Enforce, Report",
                "Egress:Deny:1:Hots: unknown key (known: Host, Cidr, Ports, Mode)",
                "Egress:Hosts:a.example: expected a single value, found an object or a list",
                // The protocol did not bind, so "UpstreamPort applies to Sni listeners only" would only mislead: it is not reported.
                "Egress:Listeners:0:Protocol: 'sni-passthrough' is not one of Http, Sni",
                "Egress:Policy:RequireTlsSniMatch: 'yes' is not true or false",
                // An unknown key is not a failed value: the entry's own check still speaks.
                "Egress:Deny:1: give either Host or Cidr",
                "Egress:Timeouts:Connect: must be positive, got 00:00:00",
            ],
            errors);
    }

    public void Dispose() => _files.Dispose();
}
