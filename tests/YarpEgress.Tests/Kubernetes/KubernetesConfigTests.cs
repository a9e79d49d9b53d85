using YarpEgress.Tests.Configuration;

namespace YarpEgress.Tests.Kubernetes;

/// <summary><c>Egress:Kubernetes</c> and the clients' <c>Namespaces</c> / <c>ServiceAccounts</c>: every error at once, with its key path.</summary>
public sealed class KubernetesConfigTests : IDisposable
{
    private readonly LoadedConfig _config = new();
    private readonly ConfigFiles _files = new();

    private List<string> Errors(string egress) =>
        _config.Errors($$"""{ "Egress": { "Listeners": [ { "Name": "proxy", "Port": 0 } ], "Admin": { "Port": 0 }, {{egress}} } }""");

    [Fact]
    public void Every_error_of_the_section_and_of_the_clients_is_reported_with_its_key_path()
    {
        var errors = Errors("""
            "Kubernetes": { "Enabled": true, "Kubeconfig": "/nonexistent/kubeconfig", "Namespaces": ["team-a", "Team_B", "team-a"], "MaxStaleness": "00:00:00" },
            "Telemetry": { "MaxWorkloadLabels": -1 },
            "Clients": [
              { "Name": "a", "Namespaces": ["ok", "-bad"], "ServiceAccounts": ["team-a/robot", "no-slash", "team-a/", "UP/x"] }
            ]
            """);
        Assert.Equal(
            [
                "Egress:Clients:0:Namespaces:1: '-bad' is not a namespace name (lower-case letters, digits and '-', at most 63)",
                "Egress:Clients:0:ServiceAccounts:1: 'no-slash' is not namespace/name (such as 'payments/checkout')",
                "Egress:Clients:0:ServiceAccounts:2: 'team-a/' is not namespace/name (such as 'payments/checkout')",
                "Egress:Clients:0:ServiceAccounts:3: 'UP/x' is not namespace/name (such as 'payments/checkout')",
                "Egress:Kubernetes:Kubeconfig: '/nonexistent/kubeconfig' does not exist (without a kubeconfig the in-cluster service account is used)",
                "Egress:Kubernetes:MaxStaleness: must be positive, got 00:00:00",
                "Egress:Kubernetes:Namespaces:1: 'Team_B' is not a namespace name (lower-case letters, digits and '-', at most 63)",
                "Egress:Kubernetes:Namespaces:2: 'team-a' is listed twice",
                "Egress:Telemetry:MaxWorkloadLabels: -1 is outside 0-100000",
            ],
            errors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Namespaces_and_service_accounts_without_the_pod_index_are_refused_since_they_could_never_match()
    {
        Assert.Equal(
            ["Egress:Clients:0: Namespaces and ServiceAccounts need Egress:Kubernetes:Enabled true (without it no pod is known, and the client would never match)"],
            Errors("""
                "Clients": [ { "Name": "a", "ServiceAccounts": ["team-a/robot"] } ]
                """));
        Assert.Equal(
            ["Egress:Kubernetes: Kubeconfig and Namespaces apply with Enabled true only"],
            Errors("""
                "Kubernetes": { "Namespaces": ["team-a"] }
                """));
        Assert.Contains("Egress:Kubernetes:Enabbled: unknown key (known: Enabled, Kubeconfig, Namespaces, MaxStaleness)", Errors("""
            "Kubernetes": { "Enabbled": true }
            """));
    }

    [Fact]
    public void A_client_matched_by_namespace_alone_compiles_and_needs_no_sources()
    {
        var path = _files.Write("apiVersion: v1\nkind: Config\n");
        Assert.Empty(Errors($$"""
            "Kubernetes": { "Enabled": true, "Kubeconfig": "{{path}}", "Namespaces": ["team-a"] },
            "Clients": [ { "Name": "a", "Namespaces": ["team-a"], "ServiceAccounts": ["team-b/robot"] } ]
            """));
    }

    public void Dispose()
    {
        _config.Dispose();
        _files.Dispose();
    }
}
