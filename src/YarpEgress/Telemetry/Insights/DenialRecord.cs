namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// One refused (or, in Report mode, reported) destination as <c>/stats/denials</c> shows it. The destination is the
/// requester's choice: it is shown as data, never as markup.
/// </summary>
internal sealed record DenialRecord(
    DateTimeOffset Time,
    string Listener,
    string Protocol,
    string Client,
    string? ClientName,
    string Destination,
    string Decision,
    string Rule,
    string Reason);
