using YarpEgress.Tunneling;

namespace YarpEgress.Tests.Tunneling;

/// <summary>What a relay reported as it moved bytes, each way.</summary>
internal sealed class CountingMeter : ITunnelMeter
{
    private long _fromClient;
    private long _toClient;

    public long FromClientTotal => Interlocked.Read(ref _fromClient);

    public long ToClientTotal => Interlocked.Read(ref _toClient);

    public void FromClient(int bytes) => Interlocked.Add(ref _fromClient, bytes);

    public void ToClient(int bytes) => Interlocked.Add(ref _toClient, bytes);
}
