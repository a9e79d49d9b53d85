using YarpEgress.Configuration;
using YarpEgress.Configuration.Compilation;

namespace YarpEgress.Tests.Configuration.Compilation;

/// <summary><c>Dns</c>, <c>CircuitBreaker</c>, <c>Timeouts</c>, <c>Limits</c>, <c>Telemetry</c>, <c>Suggest</c>, <c>Memory</c> (<see cref="SettingsValidator"/>).</summary>
public sealed class SettingsValidatorTests
{
    private static List<string> Validate(EgressOptions options)
    {
        var errors = new List<string>();
        SettingsValidator.Validate(options, new ConfigErrors(errors));
        return errors;
    }

    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(Validate(new EgressOptions()));

    [Fact]
    public void Reports_every_value_outside_its_range_in_section_order()
    {
        var errors = Validate(new EgressOptions
        {
            Dns = new DnsOptions { Timeout = TimeSpan.Zero, CacheTtl = TimeSpan.FromSeconds(-1), MaxCacheEntries = 0 },
            CircuitBreaker = new CircuitBreakerOptions { FailureRatio = 0, MinimumThroughput = 1, SamplingDuration = TimeSpan.FromMilliseconds(499), BreakDuration = TimeSpan.Zero },
            Timeouts = new TimeoutOptions { TunnelIdle = TimeSpan.Zero, TunnelLifetime = TimeSpan.Zero, Drain = TimeSpan.FromSeconds(-1), UpstreamHttpIdle = TimeSpan.FromSeconds(-2) },
            Limits = new LimitOptions { MaxRequestHeadBytes = 1023, MaxConnectionsPerListener = -1, MaxConnectionsPerClient = -2, MaxClientHelloBytes = 1048577, MaxUpstreamHttpConnections = 0, MaxUpstreamHttpConnectionsPerDestination = 1_000_001 },
            Telemetry = new TelemetryOptions { MaxDestinationLabels = -1, MaxListedConnections = 100_001 },
            Suggest = new SuggestOptions { MinSiblings = 1, MaxNames = -5 },
            Memory = new MemoryOptions { IdleTrimAfter = TimeSpan.FromSeconds(-1) },
        });
        Assert.Equal(
            [
                "Egress:Dns:Timeout: must be positive, got 00:00:00",
                "Egress:Dns:CacheTtl: must be zero (no cache) or positive, got -00:00:01",
                "Egress:Dns:MaxCacheEntries: must be at least 1, got 0",
                "Egress:CircuitBreaker:FailureRatio: 0 is outside (0, 1]",
                "Egress:CircuitBreaker:MinimumThroughput: must be at least 2, got 1",
                "Egress:CircuitBreaker:SamplingDuration: must be at least 00:00:00.5, got 00:00:00.4990000",
                "Egress:CircuitBreaker:BreakDuration: must be at least 00:00:00.5, got 00:00:00",
                "Egress:Timeouts:TunnelIdle: must be positive, got 00:00:00",
                "Egress:Timeouts:TunnelLifetime: must be positive, got 00:00:00",
                "Egress:Timeouts:Drain: must not be negative, got -00:00:01",
                "Egress:Timeouts:UpstreamHttpIdle: must be positive, got -00:00:02",
                "Egress:Limits:MaxRequestHeadBytes: 1023 is outside 1024-1048576",
                "Egress:Limits:MaxConnectionsPerListener: must be 0 (no limit) or more, got -1",
                "Egress:Limits:MaxConnectionsPerClient: must be 0 (no limit) or more, got -2",
                "Egress:Limits:MaxClientHelloBytes: 1048577 is outside 1024-1048576",
                "Egress:Limits:MaxUpstreamHttpConnections: 0 is outside 1-1000000",
                "Egress:Limits:MaxUpstreamHttpConnectionsPerDestination: 1000001 is outside 1-1000000",
                "Egress:Telemetry:MaxDestinationLabels: -1 is outside 0-100000",
                "Egress:Telemetry:MaxListedConnections: 100001 is outside 0-100000",
                "Egress:Suggest:MinSiblings: 1 is outside 2-1000",
                "Egress:Suggest:MaxNames: -5 is outside 0-1000000",
                "Egress:Memory:IdleTrimAfter: must not be negative (00:00:00 turns it off), got -00:00:01",
            ],
            errors);
    }

    [Fact]
    public void Zero_is_valid_where_it_turns_a_feature_off()
    {
        Assert.Empty(Validate(new EgressOptions
        {
            Dns = new DnsOptions { CacheTtl = TimeSpan.Zero },
            Timeouts = new TimeoutOptions { DrainDelay = TimeSpan.Zero, Drain = TimeSpan.Zero },
            Limits = new LimitOptions { MaxConnectionsPerListener = 0, MaxConnectionsPerClient = 0 },
            Telemetry = new TelemetryOptions { MaxDestinationLabels = 0, MaxListedConnections = 0 },
            Suggest = new SuggestOptions { MinSiblings = 2, MaxNames = 0 },
            Memory = new MemoryOptions { IdleTrimAfter = TimeSpan.Zero },
        }));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(4096, null)]
    [InlineData(1048576, null)]
    [InlineData(4095, "Egress:Tunnels:SplicePipeBytes: must be 0 (the kernel's default) or 4096-1048576, got 4095")]
    [InlineData(-1, "Egress:Tunnels:SplicePipeBytes: must be 0 (the kernel's default) or 4096-1048576, got -1")]
    [InlineData(2097152, "Egress:Tunnels:SplicePipeBytes: must be 0 (the kernel's default) or 4096-1048576, got 2097152")]
    public void The_splice_pipe_size_is_validated_with_its_key_path(int pipeBytes, string? error)
    {
        var errors = Validate(new EgressOptions { Tunnels = new TunnelOptions { SplicePipeBytes = pipeBytes } });
        if (error is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Equal(error, Assert.Single(errors));
        }
    }
}
