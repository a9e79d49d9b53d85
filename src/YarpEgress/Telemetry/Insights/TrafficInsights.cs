using YarpEgress.Policy;

namespace YarpEgress.Telemetry.Insights;

/// <summary>
/// What the admin page and <c>/allowlist/suggested</c> read, fed by every session's decision and end: the names seen
/// (per client), the destinations that moved the most bytes, the recent denials and the config's reloads. Everything
/// is bounded, whatever names clients ask for.
/// </summary>
/// <param name="maxNames">The current <c>Egress:Suggest:MaxNames</c>.</param>
internal sealed class TrafficInsights(Func<int> maxNames, TimeProvider time, ILogger logger)
{
    public SeenDestinations Seen { get; } = new(maxNames, logger);

    public TopDestinations Top { get; } = new();

    public RecentDenials Denials { get; } = new();

    public ConfigHistory Config { get; } = new(time);

    /// <summary>The allowlist answered for a session.</summary>
    public void Decided(ProxySession session, in PolicyDecision decision)
    {
        Seen.Decided(session.ClientName, decision.Destination, decision.Outcome);
        if (decision.Outcome != DecisionOutcome.Allowed)
        {
            Denials.Add(new DenialRecord(time.GetUtcNow(), session.Listener, session.Protocol, session.Client, session.ClientName,
                decision.Destination.ToString(), decision.Name, decision.Rule?.Description ?? "no_match", decision.Reason));
        }
    }

    /// <summary>A session ended: the bytes of an allowed (or reported) one count for its destination.</summary>
    public void Ended(ProxySession session)
    {
        if (Ranks(session, out var host))
        {
            Top.Add(host, session.Port, session.BytesFromClient, session.BytesToClient);
        }
    }

    /// <summary>True for a session whose bytes count for its destination: one the allowlist let through.</summary>
    public static bool Ranks(ProxySession session, out string host)
    {
        host = session.Host ?? string.Empty;
        return session.Host is not null && session.Decision is "allowed" or "reported";
    }
}
