namespace YarpEgress.Tests.Functional;

/// <summary>Every test of <see cref="HalfCloseTests"/>, with detached tunnels relayed by the copier (<c>Egress:Tunnels:Splice</c> false).</summary>
public sealed class HalfCloseCopierTests : HalfCloseTests
{
    protected override bool Splice => false;
}
