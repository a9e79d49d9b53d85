namespace YarpEgress.Tunneling;

/// <summary>Told of bytes as the copier moves them, so a long tunnel is visible before it ends.</summary>
internal interface ITunnelMeter
{
    void FromClient(int bytes);

    void ToClient(int bytes);
}
