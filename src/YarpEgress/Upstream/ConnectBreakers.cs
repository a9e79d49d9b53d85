using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using YarpEgress.Configuration;

namespace YarpEgress.Upstream;

/// <summary>
/// One Polly pipeline per destination (host:port) around the connect step only: a circuit breaker that, after repeated
/// refusals, unreachables and timeouts, fails connects fast, and inside it the overall connect deadline. Pipelines are
/// rebuilt after a config reload, and the cache is bounded.
/// </summary>
internal sealed class ConnectBreakers
{
    private const int MaxDestinations = 10_000;

    private readonly EgressConfigStore _config;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.Ordinal);

    public ConnectBreakers(EgressConfigStore config, TimeProvider time)
    {
        _config = config;
        _time = time;
        config.Changed += _ => _pipelines.Clear();
    }

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

    private ResiliencePipeline Build()
    {
        var options = _config.Current.Options;
        var breaker = options.CircuitBreaker;
        return new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = new PredicateBuilder()
                    .Handle<TimeoutRejectedException>()
                    .Handle<UpstreamConnectException>(e => e.Kind is ConnectFailureKind.Refused or ConnectFailureKind.Unreachable or ConnectFailureKind.Timeout),
            })
            .AddTimeout(options.Timeouts.Connect)
            .Build();
    }
}
