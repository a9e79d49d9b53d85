using System.Globalization;
using System.Net;
using YarpEgress.Bench;

// The load tool grows scenario by scenario (see README, Performance); today: the idle-tunnel soak.
//   dotnet run --project bench/YarpEgress.Bench -- --scenario idle-tunnels --proxy 127.0.0.1:3128 --count 2000 --pid <gateway pid>
var options = Args.Parse(args);
var scenario = options.GetValueOrDefault("scenario", "idle-tunnels");
var proxy = IPEndPoint.Parse(options.GetValueOrDefault("proxy", "127.0.0.1:3128"));
var count = int.Parse(options.GetValueOrDefault("count", "2000"), CultureInfo.InvariantCulture);
int? pid = options.TryGetValue("pid", out var pidText) ? int.Parse(pidText, CultureInfo.InvariantCulture) : null;
var settle = TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("settle", "2"), CultureInfo.InvariantCulture));

return scenario switch
{
    "idle-tunnels" => await IdleTunnels.RunAsync(proxy, count, pid, settle),
    _ => Fail($"unknown scenario '{scenario}' (known: idle-tunnels)"),
};

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}
