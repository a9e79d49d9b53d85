namespace YarpEgress.Telemetry.Insights;

/// <summary>The Allow rules suggested for one <c>Egress:Clients</c> entry, by name.</summary>
internal sealed record ClientSuggestion(string Name, List<SuggestedRule> Allow);
