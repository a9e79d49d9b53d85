using YarpEgress.Configuration;

namespace YarpEgress.Upstream;

/// <summary>The <c>Egress:CircuitBreaker</c> settings a breaker was built with, compared by value on reload.</summary>
internal sealed record BreakerSettings(double FailureRatio, int MinimumThroughput, TimeSpan SamplingDuration, TimeSpan BreakDuration)
{
    public static BreakerSettings Of(CircuitBreakerOptions options) =>
        new(options.FailureRatio, options.MinimumThroughput, options.SamplingDuration, options.BreakDuration);
}
