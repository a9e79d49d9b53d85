using System.Net;
using System.Text.Json;
using YarpEgress.Configuration.Loading;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Configuration;

/// <summary>The built-in base config allows nothing: the demo allowlist is only where the README's command names it.</summary>
public sealed class BaseConfigTests : IDisposable
{
    private static readonly string BasePath = Path.Combine(AppContext.BaseDirectory, "appsettings", "appsettings.json");

    private readonly ConfigFiles _files = new();

    [Fact]
    public async Task An_override_file_without_Allow_allows_nothing_through_the_real_listener()
    {
        var path = _files.Write("""
            { "Egress": { "Listeners": [ { "Name": "proxy", "Port": 0 } ], "Admin": { "Port": 0 } } }
            """);
        await using var gateway = await TestGateway.StartWithFileAsync(path);
        foreach (var demoHost in new[] { "example.com:443", "www.example.com:443", "en.wikipedia.org:443", "httpbin.org:80" })
        {
            var (head, body) = await RawClient.ConnectOnceAsync(gateway.Proxy, demoHost);
            Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);
            Assert.Equal($"no Allow rule matches '{demoHost}'\n", body);
        }
    }

    [Fact]
    public void The_built_and_published_base_config_has_no_allow_rule_and_no_demo_file_beside_it()
    {
        var snapshot = EgressConfigLoader.Load(ConfigFiles.Load(BasePath), []);
        Assert.NotNull(snapshot);
        Assert.Equal(0, snapshot.Policy.RuleCount);
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "appsettings", "demo.json")));
    }

    [Fact]
    public void The_README_runs_the_demo_through_a_launch_profile_that_names_the_demo_file()
    {
        Assert.Contains("dotnet run --project src/YarpEgress --launch-profile demo", File.ReadAllText(RepositoryFiles.PathOf("README.md")), StringComparison.Ordinal);
        using var settings = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf("src", "YarpEgress", "Properties", "launchSettings.json")));
        var profiles = settings.RootElement.GetProperty("profiles");
        var args = profiles.GetProperty("demo").GetProperty("commandLineArgs").GetString()!.Split(' ');
        Assert.Equal("--config", args[0]);
        // dotnet run starts the program in the project folder
        Assert.Equal(RepositoryFiles.PathOf("appsettings", "demo.json"), Path.GetFullPath(Path.Combine(RepositoryFiles.PathOf("src", "YarpEgress"), args[1])));
        // the first profile, which a bare "dotnet run" takes, is the base config: it allows nothing
        Assert.Equal("base", profiles.EnumerateObject().First().Name);
        Assert.Equal(string.Empty, profiles.GetProperty("base").GetProperty("commandLineArgs").GetString());
    }

    [Fact]
    public void The_demo_file_over_the_base_allows_the_demo_hosts()
    {
        var errors = new List<string>();
        var snapshot = EgressConfigLoader.Load(ConfigFiles.Load(BasePath, RepositoryFiles.PathOf("appsettings", "demo.json")), errors);
        Assert.Empty(errors);
        Assert.Equal(4, snapshot!.Policy.RuleCount);
        Assert.Equal(IPAddress.Loopback.ToString(), snapshot.Options.Listeners[0].Address); // still loopback only
    }

    public void Dispose() => _files.Dispose();
}
