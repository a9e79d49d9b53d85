using YarpEgress.Configuration;
using YarpEgress.Configuration.Loading;

namespace YarpEgress.Tests.Configuration;

/// <summary><c>Egress:Policy</c>: the SNI-match exemptions are ports, validated with their key paths.</summary>
public sealed class PolicyOptionsTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    private EgressSnapshot? Load(string policy, List<string> errors) => EgressConfigLoader.Load(ConfigFiles.Load(_files.Write($$"""
        {
          "Egress": {
            "Listeners": [ { "Name": "proxy", "Address": "127.0.0.1", "Port": 0 } ],
            "Admin": { "Address": "127.0.0.1", "Port": 0 },
            "Allow": [ { "Host": "example.com" } ],
            "Policy": {{policy}}
          }
        }
        """)), errors);

    [Fact]
    public void SniMatchExemptPorts_takes_ports_and_ranges()
    {
        var errors = new List<string>();
        var snapshot = Load("""{ "RequireTlsSniMatch": true, "SniMatchExemptPorts": [ "22", "7000-7002" ] }""", errors);
        Assert.Empty(errors);
        Assert.True(snapshot!.SniMatchExemptPorts.Contains(22));
        Assert.True(snapshot.SniMatchExemptPorts.Contains(7002));
        Assert.False(snapshot.SniMatchExemptPorts.Contains(443));
        Assert.False(Load("""{ "RequireTlsSniMatch": true }""", errors)!.SniMatchExemptPorts.Contains(22)); // none by default
    }

    [Fact]
    public void SniMatchExemptPorts_reports_every_bad_entry()
    {
        var errors = new List<string>();
        Assert.Null(Load("""{ "RequireTlsSniMatch": true, "SniMatchExemptPorts": [ "22", "ssh", "0", "9-8" ] }""", errors));
        Assert.Equal(
            [
                "Egress:Policy:SniMatchExemptPorts:1: 'ssh' is not a port (1-65535) or a port range such as 8000-8100",
                "Egress:Policy:SniMatchExemptPorts:2: '0' is not a port (1-65535) or a port range such as 8000-8100",
                "Egress:Policy:SniMatchExemptPorts:3: '9-8' is not a port (1-65535) or a port range such as 8000-8100",
            ],
            errors);
    }

    public void Dispose() => _files.Dispose();
}
