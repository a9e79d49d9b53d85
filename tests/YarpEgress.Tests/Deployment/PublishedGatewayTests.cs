using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// No Docker engine runs here, so this runs the Dockerfile's publish step and starts the output the way the image's
/// entry point does (<c>dotnet YarpEgress.dll --config PATH</c>) with the Kubernetes config, on loopback ports.
/// </summary>
public sealed partial class PublishedGatewayTests
{
    [Fact]
    public async Task The_published_gateway_starts_with_the_container_entry_point_and_the_cluster_config()
    {
        var dockerfile = File.ReadAllText(RepositoryFiles.PathOf("Dockerfile"));
        Assert.Contains("RUN dotnet publish src/YarpEgress/YarpEgress.csproj -c Release -o /app", dockerfile, StringComparison.Ordinal);
        Assert.Contains("""ENTRYPOINT ["dotnet", "YarpEgress.dll", "--config", "/etc/yarp-egress/egress.json"]""", dockerfile, StringComparison.Ordinal);

        var output = TestTemp.NewDirectory("publish-");
        var publish = await ExternalTool.RunAsync("dotnet", string.Empty, TimeSpan.FromMinutes(4),
            "publish", RepositoryFiles.PathOf("src", "YarpEgress", "YarpEgress.csproj"), "-c", "Release", "-o", output, "--nologo");
        Assert.True(publish.ExitCode == 0, publish.Stdout + publish.Stderr);

        // The image's base config allows nothing, and the demo allowlist is not in it.
        Assert.False(File.Exists(Path.Combine(output, "appsettings", "demo.json")));
        using (var baseConfig = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "appsettings", "appsettings.json"))))
        {
            Assert.Equal(0, baseConfig.RootElement.GetProperty("Egress").GetProperty("Allow").GetArrayLength());
        }

        // The cluster config with its secret mounted, every listener on loopback port 0: the log says which port.
        var config = RepositoryFiles.WithMountedSecrets(RepositoryFiles.PathOf("k8s", "egress.json"), text =>
            ListenerPort().Replace(text.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal), "${address}0"));

        var start = ExternalTool.StartInfo("dotnet", Path.Combine(output, "YarpEgress.dll"), "--config", config);
        start.WorkingDirectory = output;

        using var gateway = Process.Start(start)!;
        var log = ListenerLog.Follow(gateway);
        var errors = gateway.StandardError.ReadToEndAsync();
        try
        {
            var bound = await log.BoundAsync(["admin", "proxy"], TimeSpan.FromSeconds(30));
            using var http = DirectHttp.Create(TimeSpan.FromSeconds(5));
            var admin = $"http://{bound["admin"]}";
            HttpResponseMessage? ready = null;
            for (var i = 0; i < 150 && ready?.StatusCode != HttpStatusCode.OK; i++)
            {
                if (gateway.HasExited)
                {
                    Assert.Fail($"the gateway exited with {gateway.ExitCode}: {await errors}");
                }

                await Task.Delay(100);
                ready = await TryGetAsync(http, $"{admin}/readyz");
            }

            Assert.Equal(HttpStatusCode.OK, ready?.StatusCode);
            Assert.Equal("ok\n", await http.GetStringAsync($"{admin}/healthz"));

            using var raw = await RawClient.ConnectAsync(bound["proxy"]);
            var (head, body) = await raw.RequestAsync("CONNECT secret.wikipedia.org:443 HTTP/1.1\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 403", head, StringComparison.Ordinal);
            Assert.Equal("denied by Deny rule 'secret.wikipedia.org'\n", body);
        }
        finally
        {
            ExternalTool.Kill(gateway);
            Directory.Delete(output, recursive: true);
        }

        Assert.Contains("\"EventId\":10", log.Text, StringComparison.Ordinal); // the JSON console log of the cluster config
    }

    private static async Task<HttpResponseMessage?> TryGetAsync(HttpClient http, string url)
    {
        try
        {
            return await http.GetAsync(url);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>A listener's or the admin's port (it follows its address), not a route's or a rule's.</summary>
    [GeneratedRegex("(?<address>\"Address\": \"[^\"]*\", \"Port\": )\\d+")]
    private static partial Regex ListenerPort();
}
