namespace YarpEgress.Tests.Functional;

/// <summary>Every test of <see cref="StalledTunnelResetTests"/>, with detached tunnels relayed by the copier (<c>Egress:Tunnels:Splice</c> false).</summary>
public sealed class StalledTunnelResetCopierTests : StalledTunnelResetTests
{
    protected override bool Splice => false;
}
