using YarpEgress.Telemetry.Insights;

namespace YarpEgress.Admin;

/// <summary><c>/stats/destinations</c>: the top destinations by bytes, and how full the tracking table is.</summary>
internal sealed record DestinationsView(int Tracked, int Capacity, long Evicted, List<DestinationTotal> Destinations);
