using System.Net;
using System.Net.Sockets;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using YarpEgress.Addressing;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;

namespace YarpEgress.Upstream;

/// <summary>
/// The one way out, used by plain HTTP (the forwarder's ConnectCallback), CONNECT and SNI alike. It carries out the
/// gate's <see cref="DialPlan"/> under the connection's snapshot (never the live config), then resolves once (an
/// IP literal, an <c>Egress:Hosts</c> pin, or DNS through the cache), checks every address against the
/// <see cref="AddressPolicy"/> and dials only the addresses that passed, so DNS rebinding cannot slip past the check.
/// Addresses are tried in order, each under <c>Timeouts:ConnectAttempt</c>, all under <c>Timeouts:Connect</c>, inside
/// the destination's circuit breaker.
/// </summary>
internal sealed partial class UpstreamConnector(
    DnsCache dns,
    AddressPolicy addresses,
    ConnectBreakers breakers,
    TimeProvider time,
    ILogger<UpstreamConnector> logger)
{
    /// <summary>The reason given when an upstream resets the connection it has just accepted.</summary>
    public const string ResetAtOpen = "reset the connection as soon as it was opened";

    /// <summary>Dials what the plan says: its target, or its parent proxy and then CONNECT to the target through it.</summary>
    /// <param name="snapshot">The snapshot the plan was decided under: pins, DNS, the address policy's ranges, deadlines.</param>
    public async ValueTask<Socket> ConnectAsync(DialPlan plan, EgressSnapshot snapshot, CancellationToken cancellationToken)
    {
        var target = plan.Target;
        if (plan.Via is not { } via)
        {
            return await ConnectToAsync(target, snapshot, cancellationToken);
        }

        // Through the parent: dial it (under the address policy like any upstream), then CONNECT to the target, its
        // answer also within the connect deadline, so a parent that accepts and stays silent cannot hold the client.
        var parent = await ConnectToAsync(via, snapshot, cancellationToken);
        var timeout = snapshot.Timeouts.Connect;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            await ParentProxy.ConnectAsync(parent, via, target, plan.ViaAuthorization, linked.Token);
            return parent;
        }
        catch (Exception ex) when (ex is UpstreamConnectException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            parent.Dispose();
            throw;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            parent.Dispose();
            var what = deadline.IsCancellationRequested ? $"did not answer within {timeout.TotalSeconds:0.###} s" : $"failed: {ex.Message}";
            throw new UpstreamConnectException(ConnectFailureKind.ParentProxy, $"parent proxy {via} {what} (CONNECT {target})", ex);
        }
    }

    /// <summary>Dials exactly this destination (no route: the plan already applied it), under the snapshot's settings.</summary>
    public async ValueTask<Socket> ConnectToAsync(Destination destination, EgressSnapshot snapshot, CancellationToken cancellationToken)
    {
        var candidates = await ResolveAsync(destination, snapshot, cancellationToken);
        var allowed = Check(destination, candidates, snapshot.PrivateAllow);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(ConnectBreakers.ConnectTimeout, snapshot.Timeouts.Connect);
        try
        {
            return await breakers.For(destination.ToString()).ExecuteAsync(
                static (context, state) => state.Self.DialAsync(state.Destination, state.Allowed, state.Attempt, context.CancellationToken),
                context,
                (Self: this, Destination: destination, Allowed: allowed, Attempt: snapshot.Timeouts.ConnectAttempt));
        }
        catch (TimeoutRejectedException ex)
        {
            throw new UpstreamConnectException(ConnectFailureKind.Timeout, $"connecting to {destination} timed out after {snapshot.Timeouts.Connect.TotalSeconds:0.###} s", ex);
        }
        catch (BrokenCircuitException ex)
        {
            var retry = ex.RetryAfter is { } after ? $"; next try in {Math.Ceiling(after.TotalSeconds)} s" : string.Empty;
            throw new UpstreamConnectException(ConnectFailureKind.CircuitOpen, $"{destination} is failing: its circuit breaker is open{retry}", ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<IPAddress[]> ResolveAsync(Destination destination, EgressSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (destination.Address is { } literal)
        {
            return [literal];
        }

        return snapshot.HostPins.TryGet(destination.Host, out var pinned) ? pinned : await dns.ResolveAsync(destination.Host, snapshot.Options.Dns, cancellationToken);
    }

    /// <summary>Keeps the addresses the address policy allows; when none is left, says why the first was refused.</summary>
    private IPAddress[] Check(Destination destination, IPAddress[] candidates, IReadOnlyList<IPNetwork> privateAllow)
    {
        var allowed = new List<IPAddress>(candidates.Length);
        string? firstReason = null;
        foreach (var address in candidates)
        {
            if (addresses.IsAllowed(address, destination.Port, privateAllow, out var reason))
            {
                allowed.Add(address);
            }
            else
            {
                firstReason ??= reason;
                LogAddressDenied(logger, destination, address, reason);
            }
        }

        if (allowed.Count == 0)
        {
            var what = destination.IsAddress ? $"{destination} is not allowed: {firstReason}" : $"{destination} resolves only to addresses that are not allowed: {firstReason}";
            throw new UpstreamConnectException(ConnectFailureKind.AddressDenied, what);
        }

        return [.. allowed];
    }

    private async ValueTask<Socket> DialAsync(Destination destination, IPAddress[] candidates, TimeSpan attemptTimeout, CancellationToken cancellationToken)
    {
        SocketError? last = null;
        var timedOut = false;
        foreach (var address in candidates)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var attempt = new CancellationTokenSource(attemptTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(attempt.Token, cancellationToken);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, destination.Port), linked.Token);
                return socket;
            }
            catch (OperationCanceledException) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                timedOut = true;
                LogDialFailed(logger, destination, address, SocketError.TimedOut);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex.SocketErrorCode;
                LogDialFailed(logger, destination, address, ex.SocketErrorCode);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        if (last is null && timedOut)
        {
            throw new UpstreamConnectException(ConnectFailureKind.Timeout, $"connecting to {destination} timed out after {attemptTimeout.TotalSeconds:0.###} s per address");
        }

        // A reset while the connect completes is the upstream accepting and resetting at once: a refusal too.
        var kind = last is SocketError.ConnectionRefused or SocketError.ConnectionReset ? ConnectFailureKind.Refused : ConnectFailureKind.Unreachable;
        var what = last switch
        {
            SocketError.ConnectionRefused => "refused the connection",
            SocketError.ConnectionReset => ResetAtOpen,
            _ => $"is unreachable ({last})",
        };
        throw new UpstreamConnectException(kind, $"{destination} {what}");
    }

    [LoggerMessage(EventId = LogEvents.DialFailed, EventName = nameof(LogEvents.DialFailed), Level = LogLevel.Debug, Message = "Dialing {Destination} at {Address} failed: {Error}")]
    private static partial void LogDialFailed(ILogger logger, Destination destination, IPAddress address, SocketError error);

    [LoggerMessage(EventId = LogEvents.AddressRefused, EventName = nameof(LogEvents.AddressRefused), Level = LogLevel.Information, Message = "Not dialing {Destination} at {Address}: {Reason}")]
    private static partial void LogAddressDenied(ILogger logger, Destination destination, IPAddress address, string reason);
}
