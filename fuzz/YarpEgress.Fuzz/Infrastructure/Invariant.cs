namespace YarpEgress.Fuzz.Infrastructure;

/// <summary>Assertions of the fuzz targets; a failure throws <see cref="InvariantException"/>.</summary>
internal static class Invariant
{
    public static void That(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantException(what);
        }
    }

    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new InvariantException($"{what}: expected '{expected}', got '{actual}'");
        }
    }

    /// <summary>Runs a parser call; anything it throws is a finding, never an answer.</summary>
    public static T NoThrow<T>(Func<T> call, string what)
    {
        try
        {
            return call();
        }
        catch (Exception ex) when (ex is not InvariantException)
        {
            throw new InvariantException($"{what} threw {ex.GetType().Name}: {ex.Message}", ex);
        }
    }
}
