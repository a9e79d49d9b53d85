namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// What <c>/allowlist/suggested</c> answers: rules for <c>Egress:Allow</c> (traffic of no named client), rules for each
/// configured client in config order, rules for clients seen but no longer configured (not part of the config
/// fragment), and what was left out: IP literals, internal names, names whose addresses the address policy refused,
/// and decisions for names past <c>Egress:Suggest:MaxNames</c>.
/// </summary>
internal sealed record AllowlistSuggestion(
    List<SuggestedRule> Allow,
    List<ClientSuggestion> Clients,
    List<ClientSuggestion> UnconfiguredClients,
    long IpLiteralDecisions,
    long InternalNameDecisions,
    List<string> AddressRefusedNames,
    long UntrackedDecisions,
    int NamesTracked,
    int MaxNames,
    int MinSiblings,
    DateTimeOffset Since);
