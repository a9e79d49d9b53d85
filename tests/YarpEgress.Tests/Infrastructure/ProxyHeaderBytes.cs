using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>PROXY protocol headers as a load balancer writes them (HAProxy's proxy-protocol.txt), for tests.</summary>
internal static class ProxyHeaderBytes
{
    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary><c>PROXY TCP4|TCP6 source destination source-port destination-port\r\n</c>.</summary>
    public static byte[] V1(IPEndPoint source, IPEndPoint destination) => Encoding.ASCII.GetBytes(
        $"PROXY {(source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6")} {source.Address} {destination.Address} {source.Port} {destination.Port}\r\n");

    /// <summary>A v2 PROXY command for TCP over the endpoints' family, with TLVs (type, value) after the addresses.</summary>
    public static byte[] V2(IPEndPoint source, IPEndPoint destination, params (byte Type, byte[] Value)[] tlvs)
    {
        var v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        var block = new List<byte>();
        block.AddRange(source.Address.GetAddressBytes());
        block.AddRange(destination.Address.GetAddressBytes());
        block.AddRange(BigEndian((ushort)source.Port));
        block.AddRange(BigEndian((ushort)destination.Port));
        foreach (var (type, value) in tlvs)
        {
            block.Add(type);
            block.AddRange(BigEndian((ushort)value.Length));
            block.AddRange(value);
        }

        return V2Raw(0x21, v6 ? (byte)0x21 : (byte)0x11, [.. block]);
    }

    /// <summary>A v2 LOCAL command (a balancer's own health check), with an arbitrary block.</summary>
    public static byte[] V2Local(byte[]? block = null) => V2Raw(0x20, 0x00, block ?? []);

    /// <summary>Signature, version/command byte, family/transport byte, block length, block: any combination, valid or not.</summary>
    public static byte[] V2Raw(byte versionCommand, byte familyTransport, byte[] block, int? declaredLength = null) =>
        [.. V2Signature, versionCommand, familyTransport, .. BigEndian((ushort)(declaredLength ?? block.Length)), .. block];

    private static byte[] BigEndian(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }
}
