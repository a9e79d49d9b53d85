using BenchmarkDotNet.Attributes;
using YarpEgress.Addressing;
using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;
using YarpEgress.Policy;

namespace YarpEgress.Micro;

/// <summary>
/// The allowlist decision against 10 and 10 000 rules (a third exact hosts, a third <c>*.</c> and a third <c>**.</c>
/// wildcards): the time must not grow with the rule count.
/// </summary>
[MemoryDiagnoser]
public class HostMatchBenchmarks
{
    private EgressPolicy _policy = null!;
    private Destination _exact;
    private Destination _wildcard;
    private Destination _deepWildcard;
    private Destination _miss;

    [Params(10, 10_000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var allow = new List<RuleOptions>();
        for (var i = 0; i < Rules; i++)
        {
            var host = (i % 3) switch
            {
                0 => $"api{i}.service{i}.example.com",
                1 => $"*.tenant{i}.example.net",
                _ => $"**.org{i}.example.org",
            };
            allow.Add(new RuleOptions { Host = host, Ports = ["443"] });
        }

        var options = new EgressOptions { Listeners = [new ListenerOptions { Name = "proxy", Port = 3128 }], Allow = allow };
        var errors = new List<string>();
        _policy = EgressConfigCompiler.Compile(options, errors)?.Policy ?? throw new InvalidOperationException(string.Join("; ", errors));

        var last = Rules - 1;
        _exact = Parse($"api{last - last % 3}.service{last - last % 3}.example.com:443");
        _wildcard = Parse($"www.tenant{last - (last + 2) % 3}.example.net:443");
        _deepWildcard = Parse($"a.b.c.org{last - (last + 1) % 3}.example.org:443");
        _miss = Parse("unknown.example.io:443");
    }

    [Benchmark]
    public bool ExactHost() => _policy.Decide(_exact).IsAllowed;

    [Benchmark]
    public bool Wildcard() => _policy.Decide(_wildcard).IsAllowed;

    [Benchmark]
    public bool DeepWildcard() => _policy.Decide(_deepWildcard).IsAllowed;

    [Benchmark]
    public bool Miss() => !_policy.Decide(_miss).IsAllowed;

    private static Destination Parse(string authority) =>
        Destination.TryParse(authority, null, out var destination, out var error) ? destination : throw new InvalidOperationException(error);
}
