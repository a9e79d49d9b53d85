using YarpEgress.Authentication;
using YarpEgress.Configuration;
using YarpEgress.Policy.Clients;

namespace YarpEgress.Tests.Authentication;

public sealed class ProxyAuthenticatorTests
{
    private static AuthenticatorSetup Setup() => new(
        new ClientOptions { Name = "ci", Sources = ["10.30.0.0/16"], ProxyUser = "ci", ProxyPasswordHash = AuthenticatorSetup.Hash },
        new ClientOptions { Name = "payments", Sources = ["10.12.0.0/16"] },
        new ClientOptions { Name = "anywhere", ProxyUser = "roaming", ProxyPasswordHash = AuthenticatorSetup.Hash });

    [Theory]
    [InlineData("10.12.1.1", null, "Identified", "payments")]
    [InlineData("10.30.1.1", null, "CredentialsRequired", null)]            // ci must authenticate
    [InlineData("10.30.1.1", "ci:wrong", "CredentialsRequired", null)]
    [InlineData("10.30.1.1", "ci:pw", "Identified", "ci")]
    [InlineData("10.30.1.1", "roaming:pw", "Identified", "anywhere")]       // not ci's user: the next client that wants credentials
    [InlineData("10.12.1.1", "ci:pw", "Identified", "payments")]            // ci's source does not match; payments' does
    [InlineData("192.0.2.1", null, "CredentialsRequired", null)]            // "anywhere" wants credentials from any source
    [InlineData("192.0.2.1", "roaming:pw", "Identified", "anywhere")]
    [InlineData("192.0.2.1", "roaming", "CredentialsRequired", null)]       // no ':': not a credential
    [InlineData("::ffff:10.12.0.9", null, "Identified", "payments")]
    public async Task Picks_the_client_by_source_and_credentials(string source, string? credentials, string outcome, string? name)
    {
        using var setup = Setup();
        var identity = await setup.IdentifyAsync(source, credentials);
        Assert.Equal(Enum.Parse<IdentificationOutcome>(outcome), identity.Outcome);
        Assert.Equal(name, identity.Client?.Name);
    }

    [Fact]
    public async Task Verified_credentials_cost_one_derivation_per_lifetime()
    {
        using var setup = Setup();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("ci", (await setup.IdentifyAsync("10.30.1.1", "ci:pw")).Client?.Name);
        }

        Assert.Equal(1, setup.Derivation.Count);
        Assert.Equal((1, 19), (setup.Results("ok"), setup.Results("cached")));
        Assert.Equal(IdentificationOutcome.CredentialsRequired, (await setup.IdentifyAsync("10.30.1.1", "ci:pW")).Outcome); // not a cache hit

        setup.Time.Advance(VerifiedCredentialCache.Lifetime - TimeSpan.FromSeconds(1));
        await setup.IdentifyAsync("10.30.1.1", "ci:pw");
        Assert.Equal(2, setup.Derivation.Count);
        setup.Time.Advance(TimeSpan.FromSeconds(1));
        await setup.IdentifyAsync("10.30.1.1", "ci:pw"); // expired: derived again
        Assert.Equal(3, setup.Derivation.Count);
    }

    [Fact]
    public async Task An_unknown_user_costs_the_same_derivation_as_a_wrong_password()
    {
        using var setup = Setup();
        await setup.IdentifyAsync("10.30.1.1", "ci:wrong");
        Assert.Equal(IdentificationOutcome.CredentialsRequired, (await setup.IdentifyAsync("10.30.1.2", "nobody:wrong")).Outcome);
        Assert.Equal(2, setup.Derivation.Count);
        var calls = setup.Derivation.Calls.ToArray();
        Assert.Equal(calls[0], calls[1]);
        Assert.Equal((100_000, 16, 32), calls[0]);
        Assert.Equal(2, setup.Results("failed"));

        await setup.IdentifyAsync("10.30.1.3", null); // no credentials at all: nothing to derive
        Assert.Equal((2, 1L), (setup.Derivation.Count, setup.Results("missing")));
    }

    [Fact]
    public async Task Failures_from_one_source_back_it_off_without_deriving_while_others_go_on()
    {
        using var setup = Setup();
        Assert.Equal("ci", (await setup.IdentifyAsync("10.30.0.1", "ci:pw")).Client?.Name); // remembered before the attack
        for (var i = 0; i < SourceThrottle.FreeFailures + 1; i++)
        {
            Assert.Equal(IdentificationOutcome.CredentialsRequired, (await setup.IdentifyAsync("10.30.0.1", $"ci:guess{i}")).Outcome);
        }

        var derived = setup.Derivation.Count;
        var throttled = await setup.IdentifyAsync("10.30.0.1", "ci:guess-more");
        Assert.Equal(IdentificationOutcome.Throttled, throttled.Outcome);
        Assert.Equal(SourceThrottle.FirstBackoff, throttled.RetryAfter);
        Assert.Equal(IdentificationOutcome.Throttled, (await setup.IdentifyAsync("10.30.0.1", "nobody:x")).Outcome);
        Assert.Equal(derived, setup.Derivation.Count); // nothing derived while backed off
        Assert.Equal("ci", (await setup.IdentifyAsync("10.30.0.1", "ci:pw")).Client?.Name); // remembered credentials still pass
        Assert.Equal("anywhere", (await setup.IdentifyAsync("10.30.0.2", "roaming:pw")).Client?.Name); // another source is not held back

        setup.Time.Advance(SourceThrottle.FirstBackoff);
        Assert.Equal(IdentificationOutcome.CredentialsRequired, (await setup.IdentifyAsync("10.30.0.1", "ci:again")).Outcome);
        var doubled = await setup.IdentifyAsync("10.30.0.1", "ci:again2");
        Assert.Equal((IdentificationOutcome.Throttled, SourceThrottle.FirstBackoff * 2), (doubled.Outcome, doubled.RetryAfter));
        Assert.Equal(3, setup.Results("throttled"));
    }

    [Fact]
    public async Task At_most_two_derivations_run_per_source_and_the_same_credentials_share_one()
    {
        using var setup = Setup();
        setup.Derivation.Gate = new SemaphoreSlim(0);
        var first = Task.Run(async () => await setup.IdentifyAsync("10.30.0.1", "ci:one"));
        var second = Task.Run(async () => await setup.IdentifyAsync("10.30.0.1", "ci:two"));
        await setup.Derivation.WaitForAsync(2);

        var third = await setup.IdentifyAsync("10.30.0.1", "ci:three"); // answered at once, nothing derived
        Assert.Equal((IdentificationOutcome.Throttled, 2), (third.Outcome, setup.Derivation.Count));
        var sameAsFirst = setup.IdentifyAsync("10.30.0.1", "ci:one"); // waits for the first's derivation instead of its own
        Assert.False(sameAsFirst.IsCompleted);

        setup.Derivation.Gate.Release(2);
        Assert.Equal(IdentificationOutcome.CredentialsRequired, (await first).Outcome);
        Assert.Equal(IdentificationOutcome.CredentialsRequired, (await second).Outcome);
        Assert.Equal(IdentificationOutcome.CredentialsRequired, (await sameAsFirst).Outcome);
        Assert.Equal(2, setup.Derivation.Count);
        Assert.Equal((3L, 1L), (setup.Results("failed"), setup.Results("throttled")));
    }

    [Fact]
    public async Task A_connection_remembers_its_accepted_header_for_its_directory_and_lifetime_only()
    {
        using var setup = Setup();
        var connection = new ConnectionCredentials();
        var header = AuthenticatorSetup.Basic("ci:pw");
        var source = System.Net.IPAddress.Parse("10.30.1.1");
        Assert.Equal("ci", (await setup.Authenticator.IdentifyAsync(setup.Clients, source, header, connection)).Client?.Name);
        Assert.Null(connection.Header); // derived: remembered by the cache, not yet by the connection
        Assert.Equal("ci", (await setup.Authenticator.IdentifyAsync(setup.Clients, source, header, connection)).Client?.Name);
        Assert.Equal((header, "ci"), (connection.Header, connection.Client?.Name));

        // Another header on the same connection is checked on its own.
        Assert.Equal(IdentificationOutcome.CredentialsRequired, (await setup.Authenticator.IdentifyAsync(setup.Clients, source, AuthenticatorSetup.Basic("ci:pW"), connection)).Outcome);
        Assert.Equal(2, setup.Derivation.Count);

        // A new client directory (a reload) does not take the connection's word.
        using var reloaded = new AuthenticatorSetup(new ClientOptions { Name = "ci", ProxyUser = "ci", ProxyPasswordHash = PasswordHash.Create("other") });
        Assert.Equal(IdentificationOutcome.CredentialsRequired, (await setup.Authenticator.IdentifyAsync(reloaded.Clients, source, header, connection)).Outcome);
        Assert.Equal(3, setup.Derivation.Count);

        // Nor does an expired verification.
        Assert.Equal("ci", (await setup.Authenticator.IdentifyAsync(setup.Clients, source, header, connection)).Client?.Name);
        setup.Time.Advance(VerifiedCredentialCache.Lifetime);
        Assert.Equal("ci", (await setup.Authenticator.IdentifyAsync(setup.Clients, source, header, connection)).Client?.Name);
        Assert.Equal(4, setup.Derivation.Count);
    }

    [Fact]
    public async Task A_reload_forgets_verified_credentials()
    {
        using var setup = Setup();
        await setup.IdentifyAsync("10.30.1.1", "ci:pw");
        await setup.IdentifyAsync("10.30.1.1", "ci:pw");
        Assert.Equal(1, setup.Authenticator.CachedCount);
        Assert.Equal(1, setup.Derivation.Count);

        // Compiled again, the same password hash is a new object: the old entry is no good for it.
        using var reloaded = new AuthenticatorSetup(new ClientOptions { Name = "ci", ProxyUser = "ci", ProxyPasswordHash = AuthenticatorSetup.Hash });
        Assert.Equal("ci", (await setup.Authenticator.IdentifyAsync(reloaded.Clients, System.Net.IPAddress.Loopback, AuthenticatorSetup.Basic("ci:pw"))).Client?.Name);
        Assert.Equal(2, setup.Derivation.Count);
    }
}
