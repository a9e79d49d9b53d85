using System.Globalization;
using YarpEgress.Configuration;
using YarpEgress.Telemetry;
using YarpEgress.Telemetry.Insights;

namespace YarpEgress.Admin;

/// <summary>The admin page's JSON feeds and the allowlist suggestion, each built from the bounded <see cref="TrafficInsights"/>.</summary>
internal static class InsightEndpoints
{
    public const int DefaultTop = 20;

    /// <summary><c>/stats/destinations?top=N</c> (1 to the tracking capacity, default 20); null with an error for a bad N.</summary>
    public static DestinationsView? Destinations(HttpContext context, EgressTelemetry telemetry, out string? error)
    {
        var top = telemetry.Insights.Top;
        error = null;
        var count = DefaultTop;
        if (context.Request.Query.TryGetValue("top", out var text)
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > top.Capacity))
        {
            error = $"top must be a number from 1 to {top.Capacity}, got '{text}'";
            return null;
        }

        var live = new List<(string, int, long, long)>();
        foreach (var session in telemetry.AllLive)
        {
            if (TrafficInsights.Ranks(session, out var host))
            {
                live.Add((host, session.Port, session.BytesFromClient, session.BytesToClient));
            }
        }

        return new DestinationsView(top.Count, top.Capacity, top.Evicted, top.Top(count, live));
    }

    public static DenialsView Denials(EgressTelemetry telemetry)
    {
        var denials = telemetry.Insights.Denials;
        return new DenialsView(denials.Total, denials.Capacity, denials.Newest());
    }

    public static ConfigStatsView Config(EgressTelemetry telemetry, EgressConfigStore config)
    {
        var state = telemetry.Insights.Config.State;
        var current = config.Current;
        return new ConfigStatsView(state.Generation, state.LoadedAt, state.StartedAt, state.Rejected, state.LastRejectedAt, state.LastRejectedErrors,
            current.Options.Mode.ToString(), current.Policy.RuleCount, current.Options.Clients.Count, config.PendingRestart());
    }

    public static AllowlistSuggestion Suggestion(EgressTelemetry telemetry, EgressConfigStore config) =>
        AllowlistSuggester.Build(telemetry.Insights.Seen, config.Current.Options, telemetry.Insights.Config.State.StartedAt);
}
