namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// An <see cref="HttpClient"/> that goes straight to its target (the admin listener, an upstream) and never through a
/// proxy named in <c>HTTP_PROXY</c> and friends: every test client says how it connects.
/// </summary>
internal static class DirectHttp
{
    public static HttpClient Create(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { UseProxy = false }) { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
}
