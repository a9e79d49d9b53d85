using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using YarpEgress.Tests.Infrastructure;

namespace YarpEgress.Tests.Functional;

/// <summary>On a Terminate listener with a client CA, the verified client certificate names the client, and its rules apply.</summary>
public sealed class ClientCertificateTests
{
    [Fact]
    public async Task A_verified_client_certificate_picks_the_client_whose_rules_apply()
    {
        await using var echo = TcpUpstream.Echo();
        var (certificate, key) = TestCertificates.WriteServerPem();
        var config = System.Text.Json.JsonSerializer.SerializeToNode(TestGateway.Config(
            allow: [new { Host = "global.example.test", Ports = new[] { $"{echo.Port}" } }],
            hosts: new Dictionary<string, string> { ["client-only.example.test"] = "127.0.0.1", ["nobody.example.test"] = "127.0.0.1" },
            listeners:
            [
                new
                {
                    Name = "mtls", Address = "127.0.0.1", Port = 0, Protocol = "Sni", UpstreamPort = echo.Port,
                    Tls = new { Mode = "Terminate", CertificatePath = certificate, KeyPath = key, ClientCaPath = TestCertificates.WriteRootPem() },
                },
            ]))!;
        config["Egress"]!["Clients"] = System.Text.Json.JsonSerializer.SerializeToNode(new[]
        {
            new { Name = "workload", CertificateNames = new[] { "workload.test" }, Allow = new[] { new { Host = "client-only.example.test", Ports = new[] { $"{echo.Port}" } } } },
        });
        await using var gateway = await TestGateway.StartAsync(config);

        async Task<string> ExchangeAsync(string serverName)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(gateway.EndPoint("mtls"));
            await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                ClientCertificates = [TestCertificates.Client],
                RemoteCertificateValidationCallback = (_, _, _, _) => true, // the gateway's own certificate is not what is tested here
            });
            await tls.WriteAsync("hello"u8.ToArray());
            var buffer = new byte[5];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await tls.ReadAsync(buffer.AsMemory(read));
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            return Encoding.ASCII.GetString(buffer, 0, read);
        }

        Assert.Equal("hello", await ExchangeAsync("client-only.example.test")); // allowed by the client's rule only
        Assert.Equal(string.Empty, await ExchangeAsync("nobody.example.test"));  // allowed by nobody: closed after the handshake
        Assert.Equal(1, echo.Accepted);
    }
}
