using System.Globalization;
using System.Net;

namespace YarpEgress.Bench;

/// <summary>
/// The command line: <c>--name value</c> pairs. Upstreams listen on fixed loopback ports from <see cref="UpstreamBase"/>
/// (sink, source, rr, http), so a gateway config can route SNI names to them (<c>bench/perf-kit.json</c>); with
/// <c>--upstream-base 0</c> each takes a free port, and <see cref="UpstreamPorts"/> holds the ports bound.
/// </summary>
internal sealed record BenchOptions(
    string Scenario,
    IPEndPoint Proxy,
    IPEndPoint Sni,
    bool Direct,
    string Direction,
    int Concurrency,
    TimeSpan Warmup,
    TimeSpan Duration,
    int Payload,
    int Count,
    int? Pid,
    int UpstreamBase,
    string? ProxyCredentials = null)
{
    public const string Usage =
        "usage: YarpEgress.Bench --scenario connect-bulk|connect-newconn|sni-bulk|sni-newconn|http-get|idle-tunnels|idle-sni\n" +
        "  [--proxy 127.0.0.1:13100] [--sni 127.0.0.1:14400] [--direct true] [--direction down|up]\n" +
        "  [--concurrency 64] [--warmup 2] [--duration 8] [--payload 1024] [--count 2000] [--pid <proxy pid>] [--upstream-base 19001 (0: free ports, printed)]\n" +
        "  [--proxy-credentials user:password] (sent as Proxy-Authorization: Basic on every CONNECT and plain-HTTP request)";

    /// <summary>The <c>Proxy-Authorization</c> header line (with its CRLF) for <see cref="ProxyCredentials"/>, or empty.</summary>
    public string ProxyAuthorizationLine => ProxyCredentials is null
        ? string.Empty
        : $"Proxy-Authorization: Basic {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(ProxyCredentials))}\r\n";

    /// <summary>How the load reaches the upstreams: straight with <c>--direct</c>, else by the scenario's kind.</summary>
    public PathKind Path => Direct ? PathKind.Direct
        : Scenario.StartsWith("sni-", StringComparison.Ordinal) || Scenario == "idle-sni" ? PathKind.Sni
        : PathKind.Connect;

    public IPEndPoint Sink => Upstream(0);

    public IPEndPoint Source => Upstream(1);

    public IPEndPoint RequestResponse => Upstream(2);

    public IPEndPoint Http => Upstream(3);

    /// <summary>The ports the upstreams bound (sink, source, rr, http), once started; otherwise they follow <see cref="UpstreamBase"/>.</summary>
    public IReadOnlyList<int>? UpstreamPorts { get; init; }

    private IPEndPoint Upstream(int offset) =>
        new(IPAddress.Loopback, UpstreamPorts is { } bound ? bound[offset] : UpstreamBase == 0 ? 0 : UpstreamBase + offset);

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected '--name value' at '{args[i]}'");
            }

            values[args[i][2..]] = args[i + 1];
        }

        string Text(string name, string fallback) => values.Remove(name, out var value) ? value : fallback;
        int Number(string name, int fallback) => int.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        TimeSpan Seconds(string name, double fallback) => TimeSpan.FromSeconds(double.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture));

        var scenario = Text("scenario", "");
        var bulk = scenario.EndsWith("-bulk", StringComparison.Ordinal);
        var options = new BenchOptions(
            scenario,
            IPEndPoint.Parse(Text("proxy", "127.0.0.1:13100")),
            IPEndPoint.Parse(Text("sni", "127.0.0.1:14400")),
            bool.Parse(Text("direct", "false")),
            Text("direction", "down"),
            Number("concurrency", bulk ? 1 : 64),
            Seconds("warmup", 2),
            Seconds("duration", 8),
            Number("payload", 1024),
            Number("count", 2000),
            values.ContainsKey("pid") ? Number("pid", 0) : null,
            Number("upstream-base", 19001),
            values.Remove("proxy-credentials", out var credentials) ? credentials : null);
        if (values.Count > 0)
        {
            throw new ArgumentException($"unknown option(s): {string.Join(", ", values.Keys.Select(k => "--" + k))}");
        }

        if (options.ProxyCredentials is { } given && !given.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("--proxy-credentials must be user:password");
        }

        if (options.Direction is not ("down" or "up"))
        {
            throw new ArgumentException($"--direction must be down or up, not '{options.Direction}'");
        }

        return options;
    }
}
