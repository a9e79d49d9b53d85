namespace YarpEgress.Fuzz.Infrastructure;

/// <summary>A fuzz target's invariant did not hold: afl-fuzz records the input as a crash, a replay test fails.</summary>
#pragma warning disable CA1064 // internal by design: only the fuzz runner and the replay tests see it
internal sealed class InvariantException : Exception
#pragma warning restore CA1064
{
    public InvariantException()
    {
    }

    public InvariantException(string message)
        : base(message)
    {
    }

    public InvariantException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
