using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Deployment;

/// <summary>
/// An <c>http:</c> route to the proxy port: the sidecar sends what Envoy sends upstream, origin-form with the app's
/// <c>Host</c> and the mesh's own headers, lower-case, on a kept-alive connection. The gateway started with the
/// recipe's egress.json routes it by Host, and the mesh headers stay inside.
/// </summary>
public sealed class RecipeOriginFormTests
{
    public static TheoryData<string, int, string> HttpRoutes() =>
        RecipeTrafficTests.Data(RecipeTrafficTests.Routes("http").SelectMany(r => r.Hosts.Select(h => (r.Recipe, r.Port, h))));

    [Theory]
    [MemberData(nameof(HttpRoutes))]
    public async Task An_http_route_reaches_the_Host_as_origin_form_without_the_sidecar_headers(string recipe, int port, string host)
    {
        await using var upstream = await HttpUpstream.StartAsync();
        await using var gateway = await RecipeGateway.StartAsync(recipe, [(host, 80, upstream.HttpPort)], upstream.HttpsPort);
        var originatesTls = gateway.Egress.Items("Routes").Any(r => r.Text("Host") == host && r.At("UpstreamTls")?.GetValue<bool>() == true);
        using var sidecar = await RawClient.ConnectAsync(gateway.Listener(port));
        for (var request = 1; request <= 2; request++)
        {
            await sidecar.SendAsync(
                $"GET /echo?from=sidecar&n={request} HTTP/1.1\r\n" +
                $"host: {host}\r\n" +
                "user-agent: curl/8.10.1\r\n" +
                "accept: */*\r\n" +
                "x-forwarded-proto: http\r\n" +
                "x-request-id: 6b1f3c9e-8d2a-4a57-9e0f-3c1d2b4a5e6f\r\n" +
                "x-envoy-attempt-count: 1\r\n" +
                "x-envoy-peer-metadata-id: sidecar~10.1.2.3~app-7d9c5b-xk2lp.team-a~team-a.svc.cluster.local\r\n" +
                "x-envoy-peer-metadata: ChsKDkFQUF9DT05UQUlORVJTEgkaB2FwcCxjdXJs\r\n" +
                "x-forwarded-client-cert: By=spiffe://cluster.local/ns/yarp-egress/sa/yarp-egress;URI=spiffe://cluster.local/ns/team-a/sa/app\r\n" +
                "\r\n");
            var (head, body) = await sidecar.ReadResponseAsync();
            Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
            Assert.Contains($"target=/echo?from=sidecar&n={request}\n", body, StringComparison.Ordinal); // byte for byte
            Assert.Contains($"host: {host}", body, StringComparison.Ordinal);
            Assert.Contains(originatesTls ? "scheme=https\n" : "scheme=http\n", body, StringComparison.Ordinal);
            Assert.Contains("x-request-id: 6b1f3c9e-8d2a-4a57-9e0f-3c1d2b4a5e6f\n", body, StringComparison.Ordinal);
            Assert.DoesNotContain("x-envoy-", body, StringComparison.Ordinal);
            Assert.DoesNotContain("x-forwarded-client-cert", body, StringComparison.Ordinal);
        }

        // A Host the recipe does not allow is refused like an absolute-form request to it.
        await sidecar.SendAsync("GET / HTTP/1.1\r\nhost: not-allowed.example\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403", (await sidecar.ReadResponseAsync()).Head, StringComparison.Ordinal);
    }
}
