using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using YarpEgress.Tests.Configuration;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Hosting;

/// <summary>
/// Start-up footguns, each through the real program: a config that would silently mean something else (a misspelt
/// flag or section, a missing file) stops the start with exit code 2 and a clear message.
/// </summary>
public sealed class StartupTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    private static string ValidConfig(int proxyPort = 0) => JsonSerializer.Serialize(new
    {
        Egress = new
        {
            Listeners = new[] { new { Name = "proxy", Address = "127.0.0.1", Port = proxyPort } },
            Admin = new { Address = "127.0.0.1", Port = 0 },
        },
    });

    private static async Task<string> FailsToStartAsync(params string[] args)
    {
        var (exitCode, _, stderr) = await GatewayProcess.RunAsync(args);
        Assert.True(exitCode == 2, $"exit code {exitCode}: {stderr}");
        return stderr;
    }

    [Fact]
    public async Task A_misspelt_flag_exits_2_naming_it()
    {
        var stderr = await FailsToStartAsync("--confg", _files.Write(ValidConfig()));
        Assert.Contains("command line: unknown option '--confg'; YarpEgress takes --config PATH", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_without_a_value_exits_2()
    {
        var stderr = await FailsToStartAsync("--config");
        Assert.Contains("command line: --config needs a file path", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_options_and_stray_arguments_exit_2()
    {
        var stderr = await FailsToStartAsync("--config", _files.Write(ValidConfig()), "--verbose", "--Egres:Mode=Report", "extra");
        Assert.Contains("command line: unknown option '--verbose'", stderr, StringComparison.Ordinal);
        Assert.Contains("command line: unknown option '--Egres:Mode'", stderr, StringComparison.Ordinal);
        Assert.Contains("command line: unexpected argument 'extra'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_path_that_does_not_exist_exits_2()
    {
        var missing = TestTemp.NewFile("missing-", ".json");
        var stderr = await FailsToStartAsync("--config", missing);
        Assert.Contains($"--config {missing}: the file does not exist", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_path_that_is_a_directory_exits_2()
    {
        var directory = new DirectoryInfo(TestTemp.NewDirectory("dir-"));
        try
        {
            var stderr = await FailsToStartAsync($"--config={directory.FullName}");
            Assert.Contains($"--config {directory.FullName}: is a directory, not a JSON config file", stderr, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete();
        }
    }

    [Fact]
    public async Task A_misspelt_top_level_section_exits_2()
    {
        var path = _files.Write("""
            { "Egres": { "Allow": [ { "Host": "**" } ] }, "AllowedHosts": "*", "Logging": { "LogLevel": { "Default": "Warning" } } }
            """);
        var stderr = await FailsToStartAsync("--config", path);
        Assert.Contains($"{path}: Egres: unknown top-level section (YarpEgress reads Egress and Logging)", stderr, StringComparison.Ordinal);
        Assert.Contains($"{path}: AllowedHosts: unknown top-level section (YarpEgress reads Egress and Logging); the admin listener's Host check is Egress:Admin:AllowedHosts", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_config_error_is_printed_in_one_pass_with_its_key_path()
    {
        var path = _files.Write("""
            {
              "Egress": {
                "Listeners": [ { "Name": "proxy", "Port": "31x28", "Protocol": "Socks" } ],
                "Alow": [ { "Host": "example.com" } ],
                "Allow": [ { "Host": "w*w.qq.com" } ],
                "Mode": "Strict",
                "Timeouts": { "Connect": "5s", "TunnelIdle": "10" },
                "Dns": { "Family": 4 },
                "Admin": { "Port": 0, "AllowedHosts": [ "bad host" ] }
              }
            }
            """);
        var stderr = await FailsToStartAsync("--config", path, "--Egress:Limits:MaxRequestHeadBytes=10");
        string[] expected =
        [
            "YarpEgress: the configuration has 10 error(s):",
            "  Egress:Listeners:0:Port: '31x28' is not a whole number",
            "  Egress:Listeners:0:Protocol: 'Socks' is not one of Http, Sni",
            "  Egress:Alow: unknown key (known: Listeners, Admin, Allow, Deny, Clients, Routes, Hosts, Timeouts, Limits, Policy, Telemetry, Mode, PrivateNetworks, Dns, CircuitBreaker, Memory, Http, Kubernetes, Suggest, Tunnels)",
            "  Egress:Mode: 'Strict' is not one of Enforce, Report",
            "  Egress:Timeouts:Connect: '5s' is not a time span: expected one such as 00:00:30 (hh:mm:ss, d.hh:mm:ss or hh:mm:ss.fff)",
            "  Egress:Timeouts:TunnelIdle: '10' is not a time span: expected one such as 00:00:30 (hh:mm:ss, d.hh:mm:ss or hh:mm:ss.fff)",
            "  Egress:Dns:Family: '4' is not one of Any, V4Only, V6Only, V4First",
            "  Egress:Allow:0:Host: 'w*w.qq.com' is not a valid host pattern: '*' must stand alone in a label ('w*w')",
            "  Egress:Limits:MaxRequestHeadBytes: 10 is outside 1024-1048576",
            "  Egress:Admin:AllowedHosts:0: 'bad host' is not a host name (label 'bad host' has the character ' '); list exact names, or \"*\" for any",
        ];
        foreach (var line in expected)
        {
            Assert.Contains(line + "\n", stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Start_up_logs_the_config_files_it_loaded_in_order()
    {
        var path = _files.Write(ValidConfig());
        using var gateway = GatewayProcess.Start("--config", path);
        var lines = new List<string>();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await gateway.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line.Trim());
                if (line.Contains("Listener admin: admin on", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        finally
        {
            ExternalTool.Kill(gateway);
        }

        var files = lines.FindAll(line => line.StartsWith("Config file ", StringComparison.Ordinal));
        Assert.Equal(
            [
                $"Config file 1: {Path.Combine(Path.GetDirectoryName(GatewayProcess.Dll)!, "appsettings", "appsettings.json")} (built-in base)",
                $"Config file 2: {path} (--config)",
            ],
            files);
    }

    [Fact]
    public async Task A_listener_port_already_in_use_exits_2_with_a_clear_message()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var stderr = await FailsToStartAsync("--config", _files.Write(ValidConfig(port)));
        Assert.Contains($"YarpEgress: cannot start: Failed to bind to address http://127.0.0.1:{port}: address already in use.", stderr, StringComparison.Ordinal);
        Assert.Contains("Check Egress:Listeners and Egress:Admin", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
