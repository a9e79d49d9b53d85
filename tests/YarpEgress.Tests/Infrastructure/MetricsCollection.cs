namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// Tests that read exact metric values run alone: OpenTelemetry subscribes to meters by name process-wide, so a
/// gateway started by a test running in parallel would add its measurements to another gateway's /metrics.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics (run alone)";
}
