using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using YarpEgress.Configuration;

namespace YarpEgress.Upstream;

/// <summary>
/// One Polly pipeline per destination (host:port) around the connect step only: a circuit breaker that, after repeated
/// refusals, unreachables and timeouts, fails connects fast, and inside it the overall connect deadline (read from the
/// current config at each connect). A reload keeps every breaker's state unless <c>Egress:CircuitBreaker</c> changed;
/// then all start closed under the new settings. The cache is bounded.
/// </summary>
internal sealed class ConnectBreakers
{
    private const int MaxDestinations = 10_000;

    private readonly EgressConfigStore _config;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.Ordinal);
    private volatile BreakerSettings _settings;

    public ConnectBreakers(EgressConfigStore config, TimeProvider time)
    {
        _config = config;
        _time = time;
        _settings = BreakerSettings.Of(config.Current.Options.CircuitBreaker);
        config.Changed += Reloaded;
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

    private void Reloaded(EgressSnapshot snapshot)
    {
        var settings = BreakerSettings.Of(snapshot.Options.CircuitBreaker);
        if (settings != _settings)
        {
            _settings = settings;
            _pipelines.Clear();
        }
    }

    private ResiliencePipeline Build()
    {
        var breaker = _settings;
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
            .AddTimeout(new TimeoutStrategyOptions { TimeoutGenerator = _ => new ValueTask<TimeSpan>(_config.Current.Timeouts.Connect) })
            .Build();
    }

}
