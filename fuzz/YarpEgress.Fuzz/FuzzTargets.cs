using YarpEgress.Fuzz.Configuration;
using YarpEgress.Fuzz.Connect;
using YarpEgress.Fuzz.Policy;
using YarpEgress.Fuzz.ProxyHeaders;
using YarpEgress.Fuzz.Sni;

namespace YarpEgress.Fuzz;

/// <summary>One fuzz target: checks its invariants on one input, throwing <see cref="Infrastructure.InvariantException"/> when one breaks.</summary>
internal delegate void FuzzTarget(ReadOnlySpan<byte> input);

/// <summary>Every target by the name <c>run.sh</c>, the corpus folder and the replay tests use.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyDictionary<string, FuzzTarget> All { get; } = new Dictionary<string, FuzzTarget>(StringComparer.Ordinal)
    {
        [ClientHelloTarget.Name] = ClientHelloTarget.Run,
        [ConnectHeadTarget.Name] = ConnectHeadTarget.Run,
        [ProxyHeaderTarget.Name] = ProxyHeaderTarget.Run,
        [DestinationTarget.Name] = DestinationTarget.Run,
        [ConfigTarget.Name] = ConfigTarget.Run,
    };
}
