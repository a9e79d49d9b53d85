using YarpEgress.Diagnostics;

namespace YarpEgress.Telemetry.Insights;

/// <summary>Events of the page's and the suggestion's records (ids 1100-1119).</summary>
internal static partial class InsightsLog
{
    [LoggerMessage(EventId = LogEvents.SuggestNamesCapReached, EventName = nameof(LogEvents.SuggestNamesCapReached), Level = LogLevel.Warning,
        Message = "Egress:Suggest:MaxNames ({MaxNames}) reached: decisions for further destination names are counted, not remembered, so /allowlist/suggested is incomplete from now on")]
    public static partial void NamesCapReached(ILogger logger, int maxNames);
}
