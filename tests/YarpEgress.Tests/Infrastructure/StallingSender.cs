using System.Net.Sockets;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>Fills every buffer between a socket and a peer that is not reading.</summary>
internal static class StallingSender
{
    /// <summary>
    /// Sends until the peer's side takes nothing more for a second (every buffer on the way is full, so whatever
    /// relays these bytes is waiting for its far side); returns how many bytes were taken. Byte i is
    /// <paramref name="pattern"/>(i), zero without one.
    /// </summary>
    public static async Task<long> PushUntilStalledAsync(Socket socket, Func<long, byte>? pattern = null)
    {
        var chunk = new byte[64 * 1024];
        long total = 0;
        socket.Blocking = false;
        var quiet = 0;
        while (quiet < 20)
        {
            for (var i = 0; pattern is not null && i < chunk.Length; i++)
            {
                chunk[i] = pattern(total + i);
            }

            var sent = socket.Send(chunk, 0, chunk.Length, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                quiet++;
                await Task.Delay(50);
                continue;
            }

            Assert.Equal(SocketError.Success, error);
            total += sent;
            quiet = 0;
        }

        socket.Blocking = true;
        return total;
    }
}
