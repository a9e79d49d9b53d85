using YarpEgress.Cli;
using YarpEgress.Hosting;

// `YarpEgress hash-password` prints the hash of a password read from standard input, for Clients:N:ProxyPasswordHash.
if (args is [HashPasswordCommand.Name])
{
    return HashPasswordCommand.Run(Console.In, Console.Out, Console.Error);
}

// `YarpEgress suggest-allowlist --from http://127.0.0.1:9901` prints the allowlist a running gateway learned from traffic.
if (args is [SuggestAllowlistCommand.Name, .. var suggestArgs])
{
    return await SuggestAllowlistCommand.RunAsync(suggestArgs, Console.Out, Console.Error);
}

// Before any socket exists: inline socket completions (measured; set the variable to 0 to opt out).
SocketTuning.PreferInlineCompletions();

// Config: appsettings/appsettings.json (allows nothing), then --config PATH (or EGRESS_CONFIG), environment, command line
// (strict: an unknown option is an error).
var builder = WebApplication.CreateSlimBuilder(args);
builder.Configuration.AddEgressConfiguration(args);

// Validate everything (every error with its key path, then exit 2); register, in the order a connection meets them,
// connection limits, CONNECT and SNI middlewares with the tunnel copier, HTTP forwarding, the policy and upstream
// connector (SSRF guard, DNS cache, circuit breakers), and telemetry; bind the listeners.
if (!builder.TryAddEgress(Console.Error))
{
    return 2;
}

// Admin requests to the admin endpoints; every proxied request to the forwarder. A listener that cannot bind exits 2.
var app = builder.Build();
app.UseEgress();
return await app.RunEgressAsync(Console.Error);
