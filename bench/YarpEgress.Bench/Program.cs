using YarpEgress.Bench;

// The load tool: drives any proxy at a given address with its own loopback upstreams, or goes --direct for the baseline.
//   dotnet run -c Release --project bench/YarpEgress.Bench -- --scenario connect-bulk --proxy 127.0.0.1:13100 --pid <gateway pid>
// README, Performance, has the scenarios and bench/run-matrix.sh runs them all.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

ThreadPool.SetMinThreads(Math.Max(options.Concurrency, 16), 16);
await using var upstreams = Upstreams.Start(options);
options = options with { UpstreamPorts = upstreams.Ports };
Console.WriteLine($"upstreams on 127.0.0.1: sink {options.Sink.Port}, source {options.Source.Port}, rr {options.RequestResponse.Port}, http {options.Http.Port}");
var dialer = new Dialer(options.Path, options);
var name = options.Path.ToString().ToLowerInvariant();
switch (options.Scenario)
{
    case "connect-bulk" or "sni-bulk":
        (await BulkScenario.RunAsync(options, dialer)).Print(options, name, bulk: true);
        return 0;
    case "connect-newconn" or "sni-newconn":
        (await NewConnectionScenario.RunAsync(options, dialer)).Print(options, name, bulk: false);
        return 0;
    case "http-get":
        (await HttpGetScenario.RunAsync(options)).Print(options, options.Direct ? "direct" : "proxy", bulk: false);
        return 0;
    case "idle-tunnels" or "idle-sni":
        return await IdleTunnels.RunAsync(options, dialer);
    default:
        Console.Error.WriteLine($"unknown scenario '{options.Scenario}'");
        Console.Error.WriteLine(BenchOptions.Usage);
        return 2;
}
