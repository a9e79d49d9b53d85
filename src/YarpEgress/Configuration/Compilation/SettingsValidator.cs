namespace YarpEgress.Configuration.Compilation;

/// <summary>
/// The sections that compile to nothing but their own values: <c>Dns</c>, <c>CircuitBreaker</c>, <c>Timeouts</c>,
/// <c>Limits</c>, <c>Telemetry</c>, <c>Suggest</c> and <c>Memory</c>. Each value is checked against the range it is used in.
/// </summary>
internal static class SettingsValidator
{
    private const int KiB = 1024;
    private const int MiB = 1024 * 1024;

    public static void Validate(EgressOptions options, ConfigErrors errors)
    {
        Dns(options.Dns, errors.Scope(nameof(options.Dns)));
        CircuitBreaker(options.CircuitBreaker, errors.Scope(nameof(options.CircuitBreaker)));
        Timeouts(options.Timeouts, errors.Scope(nameof(options.Timeouts)));
        Limits(options.Limits, errors.Scope(nameof(options.Limits)));
        Telemetry(options.Telemetry, errors.Scope(nameof(options.Telemetry)));
        Suggest(options.Suggest, errors.Scope(nameof(options.Suggest)));
        errors.Scope(nameof(options.Memory)).NotNegative(nameof(MemoryOptions.IdleTrimAfter), options.Memory.IdleTrimAfter, zeroMeans: "00:00:00 turns it off");
        var pipeBytes = options.Tunnels.SplicePipeBytes;
        if (pipeBytes != 0 && pipeBytes is < TunnelOptions.MinPipeBytes or > TunnelOptions.MaxPipeBytes)
        {
            errors.Scope(nameof(options.Tunnels)).Add(nameof(TunnelOptions.SplicePipeBytes), $"must be 0 (the kernel's default) or {TunnelOptions.MinPipeBytes}-{TunnelOptions.MaxPipeBytes}, got {pipeBytes}");
        }
    }

    private static void Dns(DnsOptions dns, ConfigErrors errors)
    {
        errors.Positive(nameof(dns.Timeout), dns.Timeout);
        if (dns.CacheTtl < TimeSpan.Zero)
        {
            errors.Add(nameof(dns.CacheTtl), $"must be zero (no cache) or positive, got {dns.CacheTtl}");
        }

        if (dns.MaxCacheEntries < 1)
        {
            errors.Add(nameof(dns.MaxCacheEntries), $"must be at least 1, got {dns.MaxCacheEntries}");
        }
    }

    private static void CircuitBreaker(CircuitBreakerOptions breaker, ConfigErrors errors)
    {
        if (breaker.FailureRatio is <= 0 or > 1)
        {
            errors.Add(nameof(breaker.FailureRatio), $"{breaker.FailureRatio} is outside (0, 1]");
        }

        if (breaker.MinimumThroughput < 2)
        {
            errors.Add(nameof(breaker.MinimumThroughput), $"must be at least 2, got {breaker.MinimumThroughput}");
        }

        AtLeastHalfASecond(nameof(breaker.SamplingDuration), breaker.SamplingDuration);
        AtLeastHalfASecond(nameof(breaker.BreakDuration), breaker.BreakDuration);

        void AtLeastHalfASecond(string key, TimeSpan value)
        {
            if (value < TimeSpan.FromMilliseconds(500))
            {
                errors.Add(key, $"must be at least 00:00:00.5, got {value}");
            }
        }
    }

    private static void Timeouts(TimeoutOptions timeouts, ConfigErrors errors)
    {
        errors.Positive(nameof(timeouts.Connect), timeouts.Connect);
        errors.Positive(nameof(timeouts.RequestHead), timeouts.RequestHead);
        errors.Positive(nameof(timeouts.ClientHello), timeouts.ClientHello);
        errors.Positive(nameof(timeouts.ConnectAttempt), timeouts.ConnectAttempt);
        errors.Positive(nameof(timeouts.TunnelIdle), timeouts.TunnelIdle);
        if (timeouts.TunnelLifetime is { } lifetime)
        {
            errors.Positive(nameof(timeouts.TunnelLifetime), lifetime);
        }

        errors.NotNegative(nameof(timeouts.DrainDelay), timeouts.DrainDelay);
        errors.NotNegative(nameof(timeouts.Drain), timeouts.Drain);
        errors.Positive(nameof(timeouts.HttpActivity), timeouts.HttpActivity);
        errors.Positive(nameof(timeouts.UpstreamHttpIdle), timeouts.UpstreamHttpIdle);
    }

    private static void Limits(LimitOptions limits, ConfigErrors errors)
    {
        errors.Within(nameof(limits.MaxRequestHeadBytes), limits.MaxRequestHeadBytes, KiB, MiB);
        NoLimitOrMore(nameof(limits.MaxConnectionsPerListener), limits.MaxConnectionsPerListener);
        NoLimitOrMore(nameof(limits.MaxConnectionsPerClient), limits.MaxConnectionsPerClient);
        errors.Within(nameof(limits.MaxClientHelloBytes), limits.MaxClientHelloBytes, KiB, MiB);
        errors.Within(nameof(limits.MaxUpstreamHttpConnections), limits.MaxUpstreamHttpConnections, 1, 1_000_000);
        errors.Within(nameof(limits.MaxUpstreamHttpConnectionsPerDestination), limits.MaxUpstreamHttpConnectionsPerDestination, 1, 1_000_000);

        void NoLimitOrMore(string key, int value)
        {
            if (value < 0)
            {
                errors.Add(key, $"must be 0 (no limit) or more, got {value}");
            }
        }
    }

    private static void Telemetry(TelemetryOptions telemetry, ConfigErrors errors)
    {
        errors.Within(nameof(telemetry.MaxDestinationLabels), telemetry.MaxDestinationLabels, 0, 100_000);
        errors.Within(nameof(telemetry.MaxListedConnections), telemetry.MaxListedConnections, 0, 100_000);
    }

    private static void Suggest(SuggestOptions suggest, ConfigErrors errors)
    {
        errors.Within(nameof(suggest.MinSiblings), suggest.MinSiblings, 2, 1000);
        errors.Within(nameof(suggest.MaxNames), suggest.MaxNames, 0, 1_000_000);
    }
}
