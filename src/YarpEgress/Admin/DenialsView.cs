using YarpEgress.Telemetry.Insights;

namespace YarpEgress.Admin;

/// <summary><c>/stats/denials</c>: the newest denied or reported decisions, and how many there were since start.</summary>
internal sealed record DenialsView(long Total, int Capacity, DenialRecord[] Denials);
