namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// One suggested Allow rule: its host pattern (a name, <c>*.parent</c> or <c>**.parent</c>), the ports used, the names
/// seen that it covers, and what happened to them (connections: every decision asked for those names).
/// </summary>
internal sealed record SuggestedRule(string Host, int[] Ports, string[] Names, long Connections, long Allowed, long Reported, long Denied, bool MorePorts);
