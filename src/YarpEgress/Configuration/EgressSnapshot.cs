using YarpEgress.Policy;
using YarpEgress.Upstream;

namespace YarpEgress.Configuration;

/// <summary>
/// One validated, compiled generation of the config. Immutable: a connection takes the current snapshot once and
/// keeps it, so a reload never changes the rules under a request that is already being served.
/// </summary>
internal sealed class EgressSnapshot(EgressOptions options, EgressPolicy policy, HostPins hostPins)
{
    public EgressOptions Options { get; } = options;

    public EgressPolicy Policy { get; } = policy;

    public HostPins HostPins { get; } = hostPins;

    public TimeoutOptions Timeouts => Options.Timeouts;

    public LimitOptions Limits => Options.Limits;
}
