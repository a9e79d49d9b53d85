using System.Text.Json.Nodes;
using YarpEgress.Telemetry.Insights;

namespace YarpEgress.Admin;

/// <summary>
/// What <c>/allowlist/suggested</c> writes. <c>Egress</c> is a config fragment in the exact shape of the config
/// (<c>Allow</c> rules with <c>Host</c> and <c>Ports</c>; when clients are configured, <c>Clients</c> in config order, each
/// with its <c>Name</c> and suggested <c>Allow</c>, so entry N belongs to <c>Egress:Clients:N</c>). The rest is the
/// evidence, camelCase like every admin answer: each rule with the names it covers, their connections per decision,
/// and what was left out.
/// </summary>
internal static class SuggestionJson
{
    public static JsonObject Build(AllowlistSuggestion suggestion)
    {
        var egress = new JsonObject { ["Allow"] = Rules(suggestion.Allow) };
        if (suggestion.Clients.Count > 0)
        {
            var clients = new JsonArray();
            foreach (var client in suggestion.Clients)
            {
                clients.Add(new JsonObject { ["Name"] = client.Name, ["Allow"] = Rules(client.Allow) });
            }

            egress["Clients"] = clients;
        }

        var evidence = new JsonArray();
        Evidence(evidence, null, suggestion.Allow, configured: true);
        foreach (var client in suggestion.Clients)
        {
            Evidence(evidence, client.Name, client.Allow, configured: true);
        }

        foreach (var client in suggestion.UnconfiguredClients)
        {
            Evidence(evidence, client.Name, client.Allow, configured: false);
        }

        return new JsonObject
        {
            ["Egress"] = egress,
            ["rules"] = evidence,
            ["omitted"] = new JsonObject
            {
                ["ipLiteralDecisions"] = suggestion.IpLiteralDecisions,
                ["internalNameDecisions"] = suggestion.InternalNameDecisions,
                ["addressRefusedNames"] = new JsonArray([.. suggestion.AddressRefusedNames.Select(n => JsonValue.Create(n))]),
                ["untrackedDecisions"] = suggestion.UntrackedDecisions,
            },
            ["namesTracked"] = suggestion.NamesTracked,
            ["maxNames"] = suggestion.MaxNames,
            ["minSiblings"] = suggestion.MinSiblings,
            ["since"] = suggestion.Since,
        };
    }

    private static JsonArray Rules(List<SuggestedRule> rules)
    {
        var array = new JsonArray();
        foreach (var rule in rules)
        {
            array.Add(new JsonObject { ["Host"] = rule.Host, ["Ports"] = Ports(rule) });
        }

        return array;
    }

    private static void Evidence(JsonArray evidence, string? client, List<SuggestedRule> rules, bool configured)
    {
        foreach (var rule in rules)
        {
            evidence.Add(new JsonObject
            {
                ["client"] = client,
                ["clientConfigured"] = configured,
                ["host"] = rule.Host,
                ["ports"] = Ports(rule),
                ["names"] = new JsonArray([.. rule.Names.Select(n => JsonValue.Create(n))]),
                ["connections"] = rule.Connections,
                ["allowed"] = rule.Allowed,
                ["reported"] = rule.Reported,
                ["denied"] = rule.Denied,
                ["morePorts"] = rule.MorePorts,
            });
        }
    }

    private static JsonArray Ports(SuggestedRule rule) => new([.. rule.Ports.Select(p => JsonValue.Create(p))]);
}
