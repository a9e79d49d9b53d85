namespace YarpEgress.Admin;

/// <summary>
/// One live connection or request as <c>/connections</c> shows it; the client's pod (namespace, name, workload, service
/// account) is null unless the Kubernetes pod index knows its address.
/// </summary>
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
    long BytesToClient,
    string? Namespace,
    string? Pod,
    string? Workload,
    string? ServiceAccount);
