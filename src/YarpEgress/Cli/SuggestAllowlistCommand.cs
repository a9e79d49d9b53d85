using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace YarpEgress.Cli;

/// <summary>
/// <c>YarpEgress suggest-allowlist --from URL</c>: fetches <c>/allowlist/suggested</c> from a running gateway's admin
/// listener (URL is the listener, <c>http://127.0.0.1:9901</c>, or the full path) and prints its config fragment
/// (<c>{"Egress": {"Allow": [...], "Clients": [...]}}</c>) on standard output, with a summary of what each rule covers
/// and what was left out on standard error. No proxy is used: the admin listener is reached directly.
/// </summary>
public static class SuggestAllowlistCommand
{
    public const string Name = "suggest-allowlist";

    private const string Usage = "usage: YarpEgress suggest-allowlist --from http://ADMIN-HOST:PORT";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args is not ["--from", var from] || !TryTarget(from, out var target))
        {
            error.WriteLine($"{Name}: {(args is ["--from", var bad] ? $"'{bad}' is not an http:// or https:// URL" : "give the admin listener's URL")}");
            error.WriteLine(Usage);
            return 2;
        }

        string body;
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
            using var response = await http.GetAsync(target);
            body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                error.WriteLine($"{Name}: {target} answered {(int)response.StatusCode}: {FirstLine(body)}");
                return 1;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            error.WriteLine($"{Name}: cannot fetch {target}: {ex.Message}");
            return 1;
        }

        JsonObject? answer;
        try
        {
            answer = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            answer = null;
        }

        if (answer?["Egress"] is not JsonObject egress)
        {
            error.WriteLine($"{Name}: {target} did not answer with a suggestion (no \"Egress\" object): {FirstLine(body)}");
            return 1;
        }

        output.WriteLine(new JsonObject { ["Egress"] = egress.DeepClone() }.ToJsonString(Indented));
        Summarize(answer, error);
        return 0;
    }

    private static bool TryTarget(string from, out Uri target)
    {
        target = null!;
        if (!Uri.TryCreate(from, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        target = uri.AbsolutePath == "/" ? new Uri(uri, "/allowlist/suggested") : uri;
        return true;
    }

    private static void Summarize(JsonObject answer, TextWriter error)
    {
        if (answer["rules"] is JsonArray rules)
        {
            foreach (var rule in rules)
            {
                var client = rule?["client"]?.GetValue<string>() is { } name ? $"client {name}: " : string.Empty;
                var names = rule?["names"] is JsonArray list ? list.Count : 0;
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"# {client}{rule?["host"]} ports {rule?["ports"]?.ToJsonString()}: {names} name(s), {rule?["connections"]} connection(s) (allowed {rule?["allowed"]}, reported {rule?["reported"]}, denied {rule?["denied"]})"));
            }
        }

        if (answer["omitted"] is JsonObject omitted)
        {
            var refused = omitted["addressRefusedNames"] is JsonArray names ? string.Join(", ", names.Select(n => n?.ToString())) : string.Empty;
            error.WriteLine($"# never suggested: {omitted["ipLiteralDecisions"]} decision(s) for IP literals, {omitted["internalNameDecisions"]} for internal names; " +
                $"names the address policy refused: {(refused.Length == 0 ? "none" : refused)}; decisions past Egress:Suggest:MaxNames: {omitted["untrackedDecisions"]}");
        }
    }

    private static string FirstLine(string text)
    {
        var line = text.AsSpan().Trim();
        var end = line.IndexOfAny('\r', '\n');
        return (end < 0 ? line : line[..end]).ToString();
    }
}
