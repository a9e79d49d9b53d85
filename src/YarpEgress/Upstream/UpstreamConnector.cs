using System.Net;
using System.Net.Sockets;
using Polly.CircuitBreaker;
using Polly.Timeout;
using YarpEgress.Addressing;
using YarpEgress.Configuration;
using YarpEgress.Diagnostics;
using YarpEgress.Routing;

namespace YarpEgress.Upstream;

/// <summary>
/// The one way out, used by plain HTTP (the forwarder's ConnectCallback), CONNECT and SNI alike. It applies the route
/// (a fixed upstream instead of the requested destination), then resolves once (an
/// IP literal, an <c>Egress:Hosts</c> pin, or DNS through the cache), checks every address against the
/// <see cref="AddressPolicy"/> and dials only the addresses that passed, so DNS rebinding cannot slip past the check.
/// Addresses are tried in order, each under <c>Timeouts:ConnectAttempt</c>, all under <c>Timeouts:Connect</c>, inside
/// the destination's circuit breaker.
/// </summary>
internal sealed partial class UpstreamConnector(
    EgressConfigStore config,
    DnsCache dns,
    AddressPolicy addresses,
    ConnectBreakers breakers,
    TimeProvider time,
    ILogger<UpstreamConnector> logger)
{
    /// <summary>The reason given when an upstream resets the connection it has just accepted.</summary>
    public const string ResetAtOpen = "reset the connection as soon as it was opened";

    /// <param name="requested">The allowed destination; a matching route may send the dial to a fixed upstream.</param>
    public async ValueTask<Socket> ConnectAsync(Destination requested, CancellationToken cancellationToken)
    {
        var route = config.Current.Routes.FindForConnection(requested);
        var target = route?.DialTarget(requested) ?? requested;
        if (route?.Via is not { } via)
        {
            return await ConnectToAsync(target, cancellationToken);
        }

        // Through the parent: dial it (under the address policy like any upstream), then CONNECT to the target, its
        // answer also within the connect deadline, so a parent that accepts and stays silent cannot hold the client.
        var parent = await ConnectToAsync(via, cancellationToken);
        var timeout = config.Current.Timeouts.Connect;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            await ParentProxy.ConnectAsync(parent, via, target, route.ViaAuthorization, linked.Token);
            return parent;
        }
        catch (UpstreamConnectException)
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

    /// <summary>Dials exactly this destination (its route already applied by the caller).</summary>
    public async ValueTask<Socket> ConnectToAsync(Destination destination, CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        var candidates = await ResolveAsync(destination, snapshot.HostPins, cancellationToken);
        var allowed = Check(destination, candidates);
        try
        {
            return await breakers.For(destination.ToString()).ExecuteAsync(
                static (state, token) => state.Self.DialAsync(state.Destination, state.Allowed, state.Attempt, token),
                (Self: this, Destination: destination, Allowed: allowed, Attempt: snapshot.Timeouts.ConnectAttempt),
                cancellationToken);
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
    }

    private async ValueTask<IPAddress[]> ResolveAsync(Destination destination, HostPins pins, CancellationToken cancellationToken)
    {
        if (destination.Address is { } literal)
        {
            return [literal];
        }

        return pins.TryGet(destination.Host, out var pinned) ? pinned : await dns.ResolveAsync(destination.Host, cancellationToken);
    }

    /// <summary>Keeps the addresses the address policy allows; when none is left, says why the first was refused.</summary>
    private IPAddress[] Check(Destination destination, IPAddress[] candidates)
    {
        var allowed = new List<IPAddress>(candidates.Length);
        string? firstReason = null;
        foreach (var address in candidates)
        {
            if (addresses.IsAllowed(address, destination.Port, out var reason))
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
