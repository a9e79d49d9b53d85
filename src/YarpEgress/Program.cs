using YarpEgress.Hosting;

// Config: appsettings/appsettings.json, then --config PATH (or EGRESS_CONFIG), environment, command line.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Configuration.AddEgressConfiguration(args);

// Validate everything, register policy, upstream connector, CONNECT tunnels and HTTP forwarding; bind listeners.
if (!builder.TryAddEgress(Console.Error))
{
    return 2;
}

// Admin requests to the admin endpoints; every proxied request to the forwarder.
var app = builder.Build();
app.UseEgress();
await app.RunAsync();
return 0;
