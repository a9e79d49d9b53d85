namespace YarpEgress.Tests.Functional;

/// <summary>Every test of <see cref="TunnelBytesPropertyTests"/>, with detached tunnels relayed by the copier (<c>Egress:Tunnels:Splice</c> false).</summary>
public sealed class TunnelBytesPropertyCopierTests : TunnelBytesPropertyTests
{
    protected override bool Splice => false;
}
