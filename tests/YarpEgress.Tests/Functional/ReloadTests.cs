using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>The override file is polled: a good change takes effect for new connections, a bad one is refused.</summary>
public sealed class ReloadTests
{
    private static object ConfigAllowing(string host, int port) => TestGateway.Config(
        allow: [new { Host = host, Ports = new[] { $"{port}" } }],
        hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1", ["b.example.test"] = "127.0.0.1" });

    private static async Task<string> ConnectStatusAsync(TestGateway gateway, string host, int port) =>
        (await RawClient.ConnectOnceAsync(gateway.Proxy, $"{host}:{port}")).Head.Split("\r\n")[0];

    [Fact]
    public async Task A_new_allowlist_applies_to_new_connections_and_a_live_tunnel_survives()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(ConfigAllowing("a.example.test", echo.Port));
        Assert.Equal("HTTP/1.1 403 Forbidden", await ConnectStatusAsync(gateway, "b.example.test", echo.Port));

        using var live = await RawClient.ConnectAsync(gateway.Proxy);
        await live.SendAsync($"CONNECT a.example.test:{echo.Port} HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await live.ReadHeadAsync(), StringComparison.Ordinal);

        Assert.True(await gateway.ReloadAsync(ConfigAllowing("b.example.test", echo.Port)));
        Assert.Equal("HTTP/1.1 200 Connection Established", await ConnectStatusAsync(gateway, "b.example.test", echo.Port));
        Assert.Equal("HTTP/1.1 403 Forbidden", await ConnectStatusAsync(gateway, "a.example.test", echo.Port));

        await live.SendAsync("still here");
        Assert.Equal("still here", Encoding.ASCII.GetString(await live.ReadExactlyAsync(10)));
    }

    [Fact]
    public async Task An_invalid_file_is_refused_and_the_last_good_config_keeps_serving()
    {
        await using var echo = TcpUpstream.Echo();
        await using var gateway = await TestGateway.StartAsync(ConfigAllowing("a.example.test", echo.Port));
        Assert.False(await gateway.ReloadAsync(ConfigAllowing("w*w.example.test", echo.Port)));
        Assert.False(await gateway.ReloadAsync("{ \"Egress\": { broken"));
        // A misspelt section would leave the real one at the base's (allow nothing): refused, not taken.
        Assert.False(await gateway.ReloadAsync(new { Egres = new { Allow = new[] { new { Host = "b.example.test" } } } }));
        Assert.Equal("HTTP/1.1 200 Connection Established", await ConnectStatusAsync(gateway, "a.example.test", echo.Port));

        // And a good file after the bad ones is taken.
        Assert.True(await gateway.ReloadAsync(ConfigAllowing("b.example.test", echo.Port)));
        Assert.Equal("HTTP/1.1 200 Connection Established", await ConnectStatusAsync(gateway, "b.example.test", echo.Port));
    }

    [Fact]
    public async Task A_ConfigMap_style_symlink_swap_is_seen()
    {
        // Kubernetes mounts a ConfigMap as egress.json -> ..data/egress.json, ..data -> ..2026_v1; an update swaps ..data.
        await using var echo = TcpUpstream.Echo();
        var directory = TestTemp.NewDirectory("configmap-");
        void WriteVersion(string version, string host)
        {
            Directory.CreateDirectory(Path.Combine(directory, version));
            File.WriteAllText(Path.Combine(directory, version, "egress.json"), System.Text.Json.JsonSerializer.Serialize(ConfigAllowing(host, echo.Port)));
        }

        WriteVersion("..v1", "a.example.test");
        File.CreateSymbolicLink(Path.Combine(directory, "..data"), "..v1");
        File.CreateSymbolicLink(Path.Combine(directory, "egress.json"), Path.Combine("..data", "egress.json"));
        await using var gateway = await TestGateway.StartWithFileAsync(Path.Combine(directory, "egress.json"));
        Assert.Equal("HTTP/1.1 200 Connection Established", await ConnectStatusAsync(gateway, "a.example.test", echo.Port));

        var store = gateway.Services.GetRequiredService<YarpEgress.Configuration.EgressConfigStore>();
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Changed += _ => changed.TrySetResult();
        WriteVersion("..v2", "b.example.test");
        File.CreateSymbolicLink(Path.Combine(directory, "..data_tmp"), "..v2");
        // rename(2) over the old link, as the kubelet does (File.Move follows a link to a directory).
        var rename = await ExternalTool.RunAsync("mv", "-T", Path.Combine(directory, "..data_tmp"), Path.Combine(directory, "..data"));
        Assert.True(rename.ExitCode == 0, rename.Stderr);
        await changed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("HTTP/1.1 200 Connection Established", await ConnectStatusAsync(gateway, "b.example.test", echo.Port));
        Assert.Equal("HTTP/1.1 403 Forbidden", await ConnectStatusAsync(gateway, "a.example.test", echo.Port));
    }

    [Fact]
    public async Task An_SNI_listener_takes_a_new_UpstreamPort_without_a_restart()
    {
        await using var first = TcpUpstream.Echo();
        await using var second = TcpUpstream.Echo();
        object Config(int upstreamPort) => TestGateway.Config(
            allow: [new { Host = "a.example.test", Ports = new[] { $"{first.Port}", $"{second.Port}" } }],
            hosts: new Dictionary<string, string> { ["a.example.test"] = "127.0.0.1" },
            listeners: [new { Name = "tls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = upstreamPort }]);
        await using var gateway = await TestGateway.StartAsync(Config(first.Port));
        var hello = Sni.ClientHelloSamples.ChromiumStyle("a.example.test");
        async Task SendHelloAsync()
        {
            using var raw = await RawClient.ConnectAsync(gateway.EndPoint("tls"));
            await raw.SendAsync(hello);
            Assert.Equal(hello, await raw.ReadExactlyAsync(hello.Length)); // echoed by whichever upstream took it
        }

        await SendHelloAsync();
        Assert.True(await gateway.ReloadAsync(Config(second.Port)));
        await SendHelloAsync();
        Assert.Equal(1, first.Accepted);
        Assert.Equal(1, second.Accepted);
    }

    [Fact]
    public async Task The_admin_listener_answers_health_and_never_proxies()
    {
        await using var gateway = await TestGateway.StartAsync(ConfigAllowing("a.example.test", 80));
        using var client = DirectHttp.Create();
        var health = await client.GetAsync($"http://{gateway.Admin}/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok\n", await health.Content.ReadAsStringAsync());

        // An absolute-form request for an allowed name: its authority becomes the Host, not an admin name (421).
        using var raw = await RawClient.ConnectAsync(gateway.Admin);
        await raw.SendAsync("GET http://a.example.test/ HTTP/1.1\r\nHost: a.example.test\r\n\r\n");
        var (head, _) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 421", head, StringComparison.Ordinal);

        // With an address as the authority, it is still answered by the admin pipeline (its page, its 404), never forwarded.
        await raw.SendAsync($"GET http://{gateway.Admin}/ HTTP/1.1\r\nHost: {gateway.Admin}\r\n\r\n");
        (head, var body) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        Assert.Contains("<title>YarpEgress</title>", body, StringComparison.Ordinal);
        await raw.SendAsync($"GET http://{gateway.Admin}/nothing HTTP/1.1\r\nHost: {gateway.Admin}\r\n\r\n");
        (head, _) = await raw.ReadResponseAsync();
        Assert.StartsWith("HTTP/1.1 404", head, StringComparison.Ordinal);
    }
}
