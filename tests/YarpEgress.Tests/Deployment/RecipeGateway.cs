using System.Net;
using System.Text.Json.Nodes;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// The real gateway started with a recipe's own egress.json: every listener moved to 127.0.0.1 port 0, the admin
/// listener added, loopback let through the address policy, and each name the test sends pinned to a loopback test
/// upstream (a route to it, or, for a recipe route that originates TLS, that route's port, CA and a name the test
/// certificate has).
/// </summary>
internal sealed class RecipeGateway : IAsyncDisposable
{
    private readonly string _secrets;

    private RecipeGateway(TestGateway gateway, JsonObject egress, string secrets)
    {
        Gateway = gateway;
        Egress = egress;
        _secrets = secrets;
    }

    public TestGateway Gateway { get; }

    /// <summary>The Egress section the gateway runs, after the test's edits.</summary>
    public JsonObject Egress { get; }

    /// <summary>Where the listener the recipe's route targets (its port in the fragment) is bound now.</summary>
    public IPEndPoint Listener(int recipePort) => Gateway.EndPoint(RecipeListener(recipePort).Text("Name")!);

    public JsonNode RecipeListener(int recipePort) => Egress.Items("Listeners").Single(l => l.Text("RecipePort") == $"{recipePort}");

    /// <param name="recipe">The recipe folder, e.g. k8s/istio/nginx-box.</param>
    /// <param name="pins">host, port the gateway will be asked for, and the loopback port that stands in for it.</param>
    /// <param name="tlsUpstreamPort">The HTTPS test upstream, for routes with UpstreamTls.</param>
    public static async Task<RecipeGateway> StartAsync(string recipe, (string Host, int Port, int Upstream)[] pins, int? tlsUpstreamPort = null)
    {
        var copy = RepositoryFiles.WithMountedSecrets(RepositoryFiles.PathOf(recipe, "egress.json"));
        var secrets = Path.GetDirectoryName(copy)!;
        var config = JsonNode.Parse(await File.ReadAllTextAsync(copy))!.AsObject();
        File.Delete(copy);
        var egress = config["Egress"]!.AsObject();
        var listeners = new JsonArray();
        foreach (var listener in egress.Items("Listeners").Select(l => l.DeepClone().AsObject()))
        {
            listener["Address"] = "127.0.0.1";
            listener["Port"] = 0;
            listeners.Add(listener);
        }

        egress["Listeners"] = listeners;
        egress["Admin"] = new JsonObject { ["Address"] = "127.0.0.1", ["Port"] = 0 };
        egress["PrivateNetworks"] = new JsonObject { ["Allow"] = new JsonArray("127.0.0.0/8") };
        var hosts = new JsonObject();
        var routes = new JsonArray();
        foreach (var route in egress.Items("Routes").Select(r => r.DeepClone().AsObject()))
        {
            if (route.At("UpstreamTls")?.GetValue<bool>() == true)
            {
                route["UpstreamPort"] = tlsUpstreamPort ?? throw new InvalidOperationException($"{recipe} originates TLS: give the test's HTTPS upstream");
                route["CaPath"] = TestCertificates.WriteRootPem();
                route["Sni"] = TestCertificates.ServerNames[0]; // the test upstream's certificate cannot name the real host
                hosts[route.Text("Host")!] = "127.0.0.1";
            }

            routes.Add(route);
        }

        foreach (var (host, port, upstream) in pins.Where(p => !hosts.ContainsKey(p.Host)))
        {
            routes.Insert(0, new JsonObject { ["Host"] = host, ["Port"] = port, ["Upstream"] = $"127.0.0.1:{upstream}" });
        }

        egress["Routes"] = routes;
        egress["Hosts"] = hosts;
        var original = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryFiles.PathOf(recipe, "egress.json")))!["Egress"]!;
        var gateway = await TestGateway.StartAsync(config);
        var shown = egress.DeepClone().AsObject();
        for (var i = 0; i < listeners.Count; i++)
        {
            shown["Listeners"]![i]!["RecipePort"] = original["Listeners"]![i]!["Port"]!.DeepClone();
        }

        return new RecipeGateway(gateway, shown, secrets);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        Directory.Delete(_secrets, recursive: true);
    }
}
