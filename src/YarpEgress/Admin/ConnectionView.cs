namespace YarpEgress.Admin;

/// <summary>One live connection or request as <c>/connections</c> shows it.</summary>
internal sealed record ConnectionView(
    long Id,
    string Protocol,
    string Listener,
    string Client,
    string? Destination,
    string? Upstream,
    string? Alpn,
    double AgeSeconds,
    long BytesFromClient,
    long BytesToClient);
