using YarpEgress.Configuration;

namespace YarpEgress.Telemetry.Insights;

/// <summary>Builds the <see cref="AllowlistSuggestion"/> from the names seen, under the current config.</summary>
internal static class AllowlistSuggester
{
    public static AllowlistSuggestion Build(SeenDestinations seen, EgressOptions options, DateTimeOffset since)
    {
        var byClient = new Dictionary<string, List<SeenName>>(StringComparer.Ordinal);
        var global = new List<SeenName>();
        var refused = new List<string>();
        foreach (var destination in seen.All())
        {
            if (destination.AddressRefused > 0)
            {
                refused.Add(destination.Host);
                continue;
            }

            if (destination.Client is null)
            {
                global.Add(destination.Snapshot());
            }
            else
            {
                if (!byClient.TryGetValue(destination.Client, out var names))
                {
                    byClient[destination.Client] = names = [];
                }

                names.Add(destination.Snapshot());
            }
        }

        var minSiblings = options.Suggest.MinSiblings;
        var clients = new List<ClientSuggestion>(options.Clients.Count);
        foreach (var client in options.Clients)
        {
            var names = byClient.GetValueOrDefault(client.Name) ?? [];
            byClient.Remove(client.Name);
            clients.Add(new ClientSuggestion(client.Name, SiblingCollapse.Collapse(names, minSiblings)));
        }

        var unconfigured = new List<ClientSuggestion>(byClient.Count);
        foreach (var (name, names) in byClient)
        {
            unconfigured.Add(new ClientSuggestion(name, SiblingCollapse.Collapse(names, minSiblings)));
        }

        unconfigured.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        refused.Sort(StringComparer.Ordinal);
        return new AllowlistSuggestion(SiblingCollapse.Collapse(global, minSiblings), clients, unconfigured, seen.IpLiterals, seen.InternalNameDecisions,
            [.. refused.Distinct()], seen.Untracked, seen.Count, options.Suggest.MaxNames, minSiblings, since);
    }
}
