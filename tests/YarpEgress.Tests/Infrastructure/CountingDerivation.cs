using System.Collections.Concurrent;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// The gateway's real PBKDF2, counted: how many derivations ran and with which parameters. With a <see cref="Gate"/>,
/// each derivation first waits for a permit, so a test can hold derivations in flight.
/// </summary>
internal sealed class CountingDerivation : IPasswordKeyDerivation
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Iterations, salt length and output length of every derivation, in order.</summary>
    public ConcurrentQueue<(int Iterations, int SaltLength, int Length)> Calls { get; } = new();

    public SemaphoreSlim? Gate { get; set; }

    public void Derive(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination)
    {
        Interlocked.Increment(ref _count);
        Calls.Enqueue((iterations, salt.Length, destination.Length));
        if (Gate is { } gate && !gate.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("the test never opened the derivation gate");
        }

        Pbkdf2KeyDerivation.Instance.Derive(password, salt, iterations, destination);
    }

    /// <summary>Waits until <paramref name="count"/> derivations have started.</summary>
    public async Task WaitForAsync(int count)
    {
        for (var i = 0; i < 1000 && Count < count; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(count, Count);
    }
}
