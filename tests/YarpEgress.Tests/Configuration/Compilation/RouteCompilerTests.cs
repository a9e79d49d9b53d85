
namespace YarpEgress.Tests.Configuration.Compilation;

/// <summary><c>Egress:Routes</c> (<see cref="YarpEgress.Configuration.Compilation.RouteCompiler"/>).</summary>
public sealed class RouteCompilerTests : IDisposable
{
    private readonly LoadedConfig _config = new();

    private List<string> Errors(string json) => _config.Errors(json);

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

    public void Dispose() => _config.Dispose();
}
