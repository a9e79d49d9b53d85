using System.Collections.Concurrent;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Authentication;

/// <summary>
/// Credentials that passed PBKDF2, by <see cref="CredentialKey"/>, so that a client that authenticates on every
/// request pays for one derivation per <see cref="Lifetime"/>. An entry is good only for the very
/// <see cref="PasswordHash"/> it was verified against: a reload that compiles new hashes makes every old entry
/// useless, and the cache is emptied on every reload besides. Bounded at <see cref="MaxEntries"/>.
/// </summary>
internal sealed class VerifiedCredentialCache(TimeProvider time)
{
    public const int MaxEntries = 10_000;

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<CredentialKey, Entry> _entries = new();

    public int Count => _entries.Count;

    /// <param name="verifiedAt">When the entry was verified (<see cref="TimeProvider.GetTimestamp"/>).</param>
    public bool IsVerified(in CredentialKey key, PasswordHash hash, out long verifiedAt)
    {
        verifiedAt = 0;
        if (!_entries.TryGetValue(key, out var entry) || !ReferenceEquals(entry.Hash, hash))
        {
            return false;
        }

        if (IsFresh(entry.Added))
        {
            verifiedAt = entry.Added;
            return true;
        }

        _entries.TryRemove(KeyValuePair.Create(key, entry));
        return false;
    }

    /// <summary>True while a verification made at <paramref name="verifiedAt"/> may still be trusted.</summary>
    public bool IsFresh(long verifiedAt) => time.GetElapsedTime(verifiedAt) < Lifetime;

    public void Add(in CredentialKey key, PasswordHash hash)
    {
        if (_entries.Count >= MaxEntries)
        {
            RemoveExpired();
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear(); // full of live entries: start over rather than grow (each costs one derivation to refill)
            }
        }

        _entries[key] = new Entry(hash, time.GetTimestamp());
    }

    public void Clear() => _entries.Clear();

    private void RemoveExpired()
    {
        foreach (var pair in _entries)
        {
            if (!IsFresh(pair.Value.Added))
            {
                _entries.TryRemove(pair);
            }
        }
    }

    private sealed record Entry(PasswordHash Hash, long Added);
}
