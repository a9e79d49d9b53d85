namespace YarpEgress.Configuration;

/// <summary><c>Egress:CircuitBreaker</c>: per destination (host:port), around upstream connects only.</summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>Share of failed connects in the sampling window that opens the circuit.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Connects needed in the window before the ratio counts.</summary>
    public int MinimumThroughput { get; set; } = 5;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit fails connects fast (503) before one is tried again.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}
