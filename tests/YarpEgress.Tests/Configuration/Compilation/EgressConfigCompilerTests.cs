using YarpEgress.Configuration.Loading;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Configuration.Compilation;

/// <summary>The whole load, binding then every section's compiler: all errors in one pass, in section order, each with its key path.</summary>
public sealed class EgressConfigCompilerTests : IDisposable
{
    private readonly LoadedConfig _config = new();

    private List<string> Errors(string json) => _config.Errors(json);

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

    public void Dispose() => _config.Dispose();
}
