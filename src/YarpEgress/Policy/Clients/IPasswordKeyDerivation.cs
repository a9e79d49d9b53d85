namespace YarpEgress.Policy.Clients;

/// <summary>
/// The one expensive step of checking a proxy password: deriving its key (PBKDF2). Every derivation the gateway runs
/// goes through this, so the work can be counted and bounded (and, in tests, observed).
/// </summary>
internal interface IPasswordKeyDerivation
{
    void Derive(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination);
}
