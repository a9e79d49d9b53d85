using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace YarpEgress.Upstream;

/// <summary>
/// One Polly pipeline per destination (host:port) around the connect step only: a circuit breaker that, after repeated
/// failures that <see cref="ConnectFailure.TripsBreaker"/> (refusals, unreachables, timeouts), fails connects fast, and
/// inside it the overall connect deadline, which each connect brings from its own snapshot (<see cref="ConnectTimeout"/>).
/// The composition root passes every reload's <c>Egress:CircuitBreaker</c> to <see cref="Reconfigure"/>: the breakers
/// keep their state unless the settings changed; then all start closed under the new ones. The cache is bounded.
/// </summary>
internal sealed class ConnectBreakers(BreakerSettings initial, TimeProvider time)
{
    /// <summary>The connect deadline of the connect a pipeline runs, set on its <see cref="ResilienceContext"/>.</summary>
    public static readonly ResiliencePropertyKey<TimeSpan> ConnectTimeout = new("YarpEgress.ConnectTimeout");

    private const int MaxDestinations = 10_000;

    private static readonly Func<TimeoutGeneratorArguments, ValueTask<TimeSpan>> TimeoutOf =
        static args => new ValueTask<TimeSpan>(args.Context.Properties.GetValue(ConnectTimeout, TimeSpan.FromSeconds(10)));

    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.Ordinal);
    private volatile BreakerSettings _settings = initial;

    public ResiliencePipeline For(string destination)
    {
        if (_pipelines.TryGetValue(destination, out var pipeline))
        {
            return pipeline;
        }

        if (_pipelines.Count >= MaxDestinations)
        {
            _pipelines.Clear();
        }

        return _pipelines.GetOrAdd(destination, static (_, self) => self.Build(), this);
    }

    /// <summary>A reload's settings: unchanged, every breaker keeps its state; changed, all start over closed.</summary>
    public void Reconfigure(BreakerSettings settings)
    {
        if (settings != _settings)
        {
            _settings = settings;
            _pipelines.Clear();
        }
    }

    private ResiliencePipeline Build()
    {
        var breaker = _settings;
        return new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = new PredicateBuilder()
                    .Handle<TimeoutRejectedException>()
                    .Handle<UpstreamConnectException>(e => e.Failure.TripsBreaker),
            })
            .AddTimeout(new TimeoutStrategyOptions { TimeoutGenerator = TimeoutOf })
            .Build();
    }
}
