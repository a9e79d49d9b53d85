using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using YarpEgress.Diagnostics;
using YarpEgress.Policy.Clients;
using YarpEgress.Telemetry;

namespace YarpEgress.Authentication;

/// <summary>
/// Identifies the client of a CONNECT or plain-HTTP request from its source and <c>Proxy-Authorization: Basic</c>,
/// walking <see cref="ClientDirectory.All"/> in config order, so that the password check cannot be turned into a
/// weapon:
/// <list type="bullet">
/// <item>credentials that passed are remembered (<see cref="VerifiedCredentialCache"/>): one PBKDF2 per client and
/// lifetime, not one per request; concurrent checks of the same credentials share one derivation;</item>
/// <item>derivations per source address are capped and backed off after failures (<see cref="SourceThrottle"/>);
/// while throttled, the answer is 429 at once, without a derivation (remembered credentials still pass);</item>
/// <item>an unknown user costs one derivation with the parameters of the client it would have been checked against,
/// exactly as a wrong password does, so response times do not tell which names exist.</item>
/// </list>
/// Every answer to presented or wanted credentials is counted in <c>egress.proxy.auth</c> by <c>result</c>.
/// </summary>
internal sealed partial class ProxyAuthenticator
{
    private readonly byte[] _processKey = RandomNumberGenerator.GetBytes(32);
    private readonly VerifiedCredentialCache _cache;
    private readonly SourceThrottle _throttle;
    private readonly IPasswordKeyDerivation _derivation;
    private readonly EgressMetrics _metrics;
    private readonly ILogger<ProxyAuthenticator> _logger;
    private readonly ConcurrentDictionary<CredentialKey, Verification> _running = new();

    public ProxyAuthenticator(IPasswordKeyDerivation derivation, EgressMetrics metrics, TimeProvider time, ILogger<ProxyAuthenticator> logger)
    {
        _logger = logger;
        _cache = new VerifiedCredentialCache(time);
        _throttle = new SourceThrottle(time);
        _derivation = derivation;
        _metrics = metrics;
    }

    /// <summary>A reload: every remembered verification is forgotten (the composition root calls this on each one).</summary>
    public void ConfigReloaded() => _cache.Clear();

    /// <summary>How many verified credentials are remembered.</summary>
    public int CachedCount => _cache.Count;

    /// <param name="connection">
    /// The memo of a keep-alive connection (plain HTTP), whose source never changes: a request repeating the header
    /// accepted last on it is answered from there.
    /// </param>
    /// <param name="workload">The pod behind the source, when the pod index knows it (clients may match by namespace or service account).</param>
    public ValueTask<Identification> IdentifyAsync(ClientDirectory clients, IPAddress? source, string? proxyAuthorization, ConnectionCredentials? connection = null, WorkloadIdentity? workload = null)
    {
        if (!clients.WantsCredentials)
        {
            return new(Identification.Of(clients.TryIdentify(source, workload, out var anonymous) ? anonymous : null));
        }

        if (connection is not null && proxyAuthorization is not null && ReferenceEquals(connection.Clients, clients)
            && string.Equals(connection.Header, proxyAuthorization, StringComparison.Ordinal) && _cache.IsFresh(connection.VerifiedAt))
        {
            _metrics.ProxyAuthenticated("cached");
            return new(Identification.Of(connection.Client));
        }

        Span<byte> buffer = stackalloc byte[BasicCredentials.MaxBytes];
        if (!BasicCredentials.TryDecode(proxyAuthorization, buffer, out var length, out var colon))
        {
            if (clients.TryIdentify(source, workload, out var client))
            {
                return new(Identification.Of(client));
            }

            _metrics.ProxyAuthenticated("missing");
            return new(Identification.Challenge);
        }

        var credentials = buffer[..length];
        var key = CredentialKey.Compute(_processKey, credentials);
        try
        {
            var identity = Identify(clients.All, source, workload, credentials, colon, key, out var verifiedAt);
            if (connection is not null && verifiedAt != 0 && identity.IsCompletedSuccessfully && identity.Result.Client is { } client)
            {
                connection.Remember(proxyAuthorization!, clients, client, verifiedAt);
            }

            return identity;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(credentials);
        }
    }

    /// <summary>
    /// The fast path, without allocating: answered here when the first client of this source that wants credentials
    /// has these remembered (or needs none); anything else continues on the heap, with a copy of the credentials.
    /// </summary>
    /// <param name="verifiedAt">Set when the answer came from a remembered verification: when that was made.</param>
    private ValueTask<Identification> Identify(IReadOnlyList<ClientPolicy> all, IPAddress? source, WorkloadIdentity? workload, ReadOnlySpan<byte> credentials, int colon, CredentialKey key, out long verifiedAt)
    {
        verifiedAt = 0;
        for (var i = 0; i < all.Count; i++)
        {
            var candidate = all[i];
            if (candidate.IsCertificateOnly || !candidate.ComesFrom(source, workload))
            {
                continue;
            }

            if (candidate.ProxyUser is null)
            {
                return new(Identification.Of(candidate));
            }

            if (credentials[..colon].SequenceEqual(candidate.ProxyUserUtf8) && _cache.IsVerified(key, candidate.Password!, out verifiedAt))
            {
                _metrics.ProxyAuthenticated("cached");
                return new(Identification.Of(candidate));
            }

            return IdentifySlowlyAsync(all, i, Normalize(source), workload, credentials.ToArray(), colon, key);
        }

        return new(Identification.Of(null)); // no client from this source wants credentials
    }

    /// <summary>The walk from <paramref name="start"/> on, with derivations where the cache does not answer.</summary>
    private async ValueTask<Identification> IdentifySlowlyAsync(IReadOnlyList<ClientPolicy> all, int start, IPAddress source, WorkloadIdentity? workload, byte[] credentials, int colon, CredentialKey key)
    {
        try
        {
            return await WalkAsync(all, start, source, workload, credentials, colon, key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(credentials); // the password leaves memory with the request
        }
    }

    private async ValueTask<Identification> WalkAsync(IReadOnlyList<ClientPolicy> all, int start, IPAddress source, WorkloadIdentity? workload, byte[] credentials, int colon, CredentialKey key)
    {
        ClientPolicy? challenger = null;
        var userKnown = false;
        for (var i = start; i < all.Count; i++)
        {
            var candidate = all[i];
            if (candidate.IsCertificateOnly || !candidate.ComesFrom(source, workload))
            {
                continue;
            }

            if (candidate.ProxyUser is null)
            {
                return Identification.Of(candidate);
            }

            challenger ??= candidate;
            if (!credentials.AsSpan(0, colon).SequenceEqual(candidate.ProxyUserUtf8))
            {
                continue;
            }

            userKnown = true;
            var outcome = await VerifyAsync(candidate.Password!, source, credentials, colon, key, countsAsMatch: true);
            if (outcome.Result is not "failed")
            {
                _metrics.ProxyAuthenticated(outcome.Result);
                return outcome.Result == "throttled" ? Identification.Throttled(outcome.RetryAfter) : Identification.Of(candidate);
            }
        }

        if (challenger is null)
        {
            return Identification.Of(null);
        }

        if (!userKnown)
        {
            // An unknown user: the same derivation as for a wrong password, its result thrown away.
            var outcome = await VerifyAsync(challenger.Password!, source, credentials, colon, key, countsAsMatch: false);
            if (outcome.Result == "throttled")
            {
                _metrics.ProxyAuthenticated("throttled");
                return Identification.Throttled(outcome.RetryAfter);
            }
        }

        _metrics.ProxyAuthenticated("failed");
        return Identification.Challenge;
    }

    /// <summary>
    /// One check of the password against <paramref name="hash"/>: a check of the same credentials against the same
    /// hash that is already running is waited for instead of repeated (its success counts as "cached").
    /// </summary>
    private async ValueTask<(string Result, TimeSpan RetryAfter)> VerifyAsync(PasswordHash hash, IPAddress source, byte[] credentials, int colon, CredentialKey key, bool countsAsMatch)
    {
        var mine = new Verification(hash, countsAsMatch);
        var running = _running.GetOrAdd(key, mine);
        if (!ReferenceEquals(running, mine))
        {
            if (ReferenceEquals(running.Hash, hash) && running.CountsAsMatch == countsAsMatch)
            {
                var shared = await running.Done.Task;
                if (shared.Result != "throttled")
                {
                    return (shared.Result == "ok" ? "cached" : shared.Result, TimeSpan.Zero);
                }
            }

            return Derive(hash, source, credentials, colon, key, countsAsMatch); // on its own, under its own source's budget
        }

        var outcome = ("failed", TimeSpan.Zero);
        try
        {
            outcome = Derive(hash, source, credentials, colon, key, countsAsMatch);
            return outcome;
        }
        finally
        {
            _running.TryRemove(KeyValuePair.Create(key, mine));
            mine.Done.TrySetResult(outcome);
        }
    }

    private (string Result, TimeSpan RetryAfter) Derive(PasswordHash hash, IPAddress source, byte[] credentials, int colon, CredentialKey key, bool countsAsMatch)
    {
        if (!_throttle.TryEnter(source, out var retryAfter))
        {
            return ("throttled", retryAfter);
        }

        var verified = false;
        TimeSpan backoff;
        try
        {
            verified = hash.Verify(credentials.AsSpan(colon + 1), _derivation) && countsAsMatch;
        }
        finally
        {
            backoff = _throttle.Exit(source, verified);
        }

        if (backoff > TimeSpan.Zero)
        {
            LogBackedOff(_logger, source, backoff.TotalSeconds);
        }

        if (verified)
        {
            _cache.Add(key, hash);
        }

        return (verified ? "ok" : "failed", TimeSpan.Zero);
    }

    [LoggerMessage(EventId = LogEvents.CredentialsBackedOff, EventName = nameof(LogEvents.CredentialsBackedOff), Level = LogLevel.Warning, Message = "Proxy credentials from {Source} failed repeatedly: no more checks from it for {Seconds} s (answered 429)")]
    private static partial void LogBackedOff(ILogger logger, IPAddress source, double seconds);

    private static IPAddress Normalize(IPAddress? source) =>
        source is null ? IPAddress.None : source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source;

    /// <summary>A derivation in progress, for others presenting the same credentials at the same time.</summary>
    private sealed class Verification(PasswordHash hash, bool countsAsMatch)
    {
        public PasswordHash Hash { get; } = hash;

        public bool CountsAsMatch { get; } = countsAsMatch;

        public TaskCompletionSource<(string Result, TimeSpan RetryAfter)> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
