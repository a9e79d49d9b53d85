using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YarpEgress.Configuration;
using YarpEgress.Listeners;
using YarpEgress.Telemetry;

namespace YarpEgress.Admin;

/// <summary>
/// The admin listener's pipeline: <c>/healthz</c>, <c>/readyz</c> (ready once every listener is bound with a valid
/// config, until shutdown begins), <c>/metrics</c> (Prometheus), <c>/config</c>, <c>/connections</c>, the live page at
/// <c>/</c> with its feeds under <c>/stats/</c>, and <c>/allowlist/suggested</c>. It never proxies.
/// </summary>
internal static class AdminEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private const string MisdirectedText = "misdirected request: the admin listener answers IP addresses, localhost and the names in Egress:Admin:AllowedHosts";

    public static void UseEgressAdmin(this IApplicationBuilder admin)
    {
        var services = admin.ApplicationServices;
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        var drain = services.GetRequiredService<DrainCoordinator>();
        var config = services.GetRequiredService<EgressConfigStore>();
        var telemetry = services.GetRequiredService<EgressTelemetry>();
        var endpoints = services.GetRequiredService<EgressEndpoints>();

        // Before anything answers: a Host name not allowed (DNS rebinding) gets 421.
        admin.Use(next => context => config.Current.AdminHosts.Allows(context.Request.Host)
            ? next(context)
            : WriteTextAsync(context, StatusCodes.Status421MisdirectedRequest, MisdirectedText));
        admin.UseOpenTelemetryPrometheusScrapingEndpoint();
        admin.Run(context => context.Request.Path.Value switch
        {
            "/healthz" => WriteTextAsync(context, StatusCodes.Status200OK, "ok"),
            "/readyz" => Readiness(drain, lifetime) is var ready && ready == "ready"
                ? WriteTextAsync(context, StatusCodes.Status200OK, ready)
                : WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, ready),
            "/config" => WriteConfigAsync(context, ConfigView.Build(config, endpoints)),
            "/connections" => WriteJsonAsync(context, Connections(telemetry)),
            "/" => AdminPage.WriteAsync(context),
            "/stats/destinations" => InsightEndpoints.Destinations(context, telemetry, out var error) is { } top
                ? WriteJsonAsync(context, top)
                : WriteTextAsync(context, StatusCodes.Status400BadRequest, error!),
            "/stats/denials" => WriteJsonAsync(context, InsightEndpoints.Denials(telemetry)),
            "/stats/config" => WriteJsonAsync(context, InsightEndpoints.Config(telemetry, config)),
            "/allowlist/suggested" => WriteConfigAsync(context, SuggestionJson.Build(InsightEndpoints.Suggestion(telemetry, config))),
            _ => WriteTextAsync(context, StatusCodes.Status404NotFound, NotFoundText),
        });
    }

    private const string NotFoundText =
        "not found: the admin listener serves /, /healthz, /readyz, /metrics, /config, /connections, /stats/destinations, /stats/denials, /stats/config, /allowlist/suggested";

    /// <summary>ready once every listener is bound with a valid config; starting before; draining once shutdown begins.</summary>
    private static string Readiness(DrainCoordinator drain, IHostApplicationLifetime lifetime) =>
        drain.IsDraining ? "draining" : lifetime.ApplicationStarted.IsCancellationRequested ? "ready" : "starting";

    private static ConnectionView[] Connections(EgressTelemetry telemetry)
    {
        var live = telemetry.Live();
        var views = new ConnectionView[live.Count];
        for (var i = 0; i < live.Count; i++)
        {
            var s = live[i];
            views[i] = new ConnectionView(s.Id, s.Protocol, s.Listener, s.Client, s.Host is null ? null : $"{s.HostLiteral}:{s.Port}", s.Upstream, s.Alpn,
                Math.Round(s.Age.TotalSeconds, 3), s.BytesFromClient, s.BytesToClient, s.Workload?.Namespace, s.Workload?.Pod, s.Workload?.Workload, s.Workload?.ServiceAccount);
        }

        return views;
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(text + "\n");
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes).AsTask();
    }

    private static Task WriteConfigAsync(HttpContext context, JsonNode view)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(view, ConfigJson.Options)).AsTask();
    }

    private static Task WriteJsonAsync<T>(HttpContext context, T value)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return JsonSerializer.SerializeAsync(context.Response.Body, value, Json);
    }
}
