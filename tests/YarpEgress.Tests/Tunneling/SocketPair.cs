using System.Net;
using System.Net.Sockets;

namespace YarpEgress.Tests.Tunneling;

/// <summary>A connected loopback TCP pair: <see cref="Peer"/> plays a client or an upstream, <see cref="Gateway"/> is the gateway's end.</summary>
internal sealed class SocketPair : IDisposable
{
    private SocketPair(Socket peer, Socket gateway)
    {
        Peer = peer;
        Gateway = gateway;
    }

    public Socket Peer { get; }

    public Socket Gateway { get; }

    public static async Task<SocketPair> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await peer.ConnectAsync(listener.LocalEndPoint!);
        return new SocketPair(peer, await accept);
    }

    /// <summary>Closes the peer with RST: SO_LINGER on with a zero timeout.</summary>
    public void ResetPeer()
    {
        Peer.LingerState = new LingerOption(true, 0);
        Peer.Close();
    }

    /// <summary>Everything the peer receives up to the other side's FIN; throws on a reset.</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        using var all = new MemoryStream();
        var buffer = new byte[16384];
        int read;
        while ((read = await Peer.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30))) > 0)
        {
            all.Write(buffer, 0, read);
        }

        return all.ToArray();
    }

    public void Dispose()
    {
        Peer.Dispose();
        Gateway.Dispose();
    }
}
