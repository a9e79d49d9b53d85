using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using YarpEgress.Configuration;
using YarpEgress.Policy;

namespace YarpEgress.Upstream;

/// <summary>
/// The one way out: resolves a destination (IP literal, <c>Egress:Hosts</c> pin or DNS) and dials its addresses in
/// order under one connect deadline. Plain HTTP (through the forwarder's ConnectCallback) and tunnels both use it.
/// </summary>
internal sealed partial class UpstreamConnector(EgressConfigStore config, IHostResolver resolver, TimeProvider time, ILogger<UpstreamConnector> logger)
{
    public async ValueTask<Socket> ConnectAsync(Destination destination, CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        var timeout = snapshot.Timeouts.Connect;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var addresses = await ResolveAsync(destination, snapshot.HostPins, linked.Token);
            return await DialAsync(destination, addresses, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamConnectException(ConnectFailureKind.Timeout, $"connecting to {destination} timed out after {timeout.TotalSeconds:0.###} s");
        }
    }

    private async ValueTask<IPAddress[]> ResolveAsync(Destination destination, HostPins pins, CancellationToken cancellationToken)
    {
        if (destination.Address is { } literal)
        {
            return [literal];
        }

        if (pins.TryGet(destination.Host, out var pinned))
        {
            return pinned;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await resolver.ResolveAsync(destination.Host, cancellationToken);
        }
        catch (SocketException ex)
        {
            throw new UpstreamConnectException(ConnectFailureKind.Dns, $"DNS lookup for '{destination.Host}' failed: {ex.SocketErrorCode}", ex);
        }

        if (addresses.Length == 0)
        {
            throw new UpstreamConnectException(ConnectFailureKind.Dns, $"DNS lookup for '{destination.Host}' returned no addresses");
        }

        return addresses;
    }

    private async ValueTask<Socket> DialAsync(Destination destination, IPAddress[] addresses, CancellationToken cancellationToken)
    {
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, destination.Port), cancellationToken);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
                LogDialFailed(logger, destination.ToString(), address, ex.SocketErrorCode);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        var kind = last?.SocketErrorCode == SocketError.ConnectionRefused ? ConnectFailureKind.Refused : ConnectFailureKind.Unreachable;
        var what = kind == ConnectFailureKind.Refused ? "refused the connection" : $"is unreachable ({last?.SocketErrorCode})";
        throw new UpstreamConnectException(kind, $"{destination} {what}", last);
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Dialing {Destination} at {Address} failed: {Error}")]
    private static partial void LogDialFailed(ILogger logger, string destination, IPAddress address, SocketError error);
}
