using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace YarpEgress.Tests.Infrastructure;

/// <summary>
/// A real Kestrel origin on loopback with an HTTP and an HTTPS (test certificate) port. It reports what it received,
/// echoes bodies, and counts the connections it accepted, so tests can prove keep-alive and header handling.
/// </summary>
internal sealed class HttpUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;
    private int _open;

    private HttpUpstream(WebApplication app) => _app = app;

    public int HttpPort { get; private set; }

    public int HttpsPort { get; private set; }

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Accepted connections (both ports) that have not closed yet.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public static async Task<HttpUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        HttpUpstream? self = null;
        ListenOptions? http = null, https = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, o =>
            {
                http = o;
                o.Use(next => c => self!.CountAsync(next, c));
            });
            k.Listen(IPAddress.Loopback, 0, o =>
            {
                https = o;
                o.Use(next => c => self!.CountAsync(next, c));
                o.UseHttps(TestCertificates.Server);
            });
        });
        var app = builder.Build();
        self = new HttpUpstream(app);
        app.Map("/echo", Echo);
        app.Map("/stream", async context =>
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = context.Request.ContentLength;
            await context.Request.Body.CopyToAsync(context.Response.Body);
        });
        app.Map("/digest", async context =>
        {
            // Reads the whole body first, then answers with its length and SHA-256 (no duplex echo: HttpClient on
            // HTTP/1.1 does not read a response while it is still sending a large body, so an echo can deadlock).
            using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            var buffer = new byte[65536];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                total += read;
            }

            await context.Response.WriteAsync($"{total} {Convert.ToHexString(sha.GetHashAndReset())}");
        });
        app.Map("/random", async context =>
        {
            // A chunked response of n pseudo-random bytes from a seed, so the client can check them.
            var count = int.Parse(context.Request.Query["n"]!, System.Globalization.CultureInfo.InvariantCulture);
            var random = new Random(int.Parse(context.Request.Query["seed"]!, System.Globalization.CultureInfo.InvariantCulture));
            var chunk = new byte[16384];
            for (var sent = 0; sent < count; sent += chunk.Length)
            {
                random.NextBytes(chunk);
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, count - sent)));
            }
        });
        app.Map("/bytes", async context =>
        {
            var count = int.Parse(context.Request.Query["n"]!, System.Globalization.CultureInfo.InvariantCulture);
            context.Response.ContentLength = count;
            var chunk = new byte[16384];
            for (var sent = 0; sent < count; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, count - sent)));
            }
        });
        app.Map("/hop-response", context =>
        {
            context.Response.Headers["X-Hop"] = "upstream-only";
            context.Response.Headers["X-Kept"] = "yes";
            context.Response.Headers.Connection = "X-Hop";
            return context.Response.WriteAsync("hop");
        });
        await Task.Run(() => app.StartAsync()); // off xunit's synchronization context
        self.HttpPort = http!.IPEndPoint!.Port;
        self.HttpsPort = https!.IPEndPoint!.Port;
        return self;
    }

    private async Task CountAsync(Microsoft.AspNetCore.Connections.ConnectionDelegate next, Microsoft.AspNetCore.Connections.ConnectionContext connection)
    {
        Interlocked.Increment(ref _connections);
        Interlocked.Increment(ref _open);
        try
        {
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    private static Task Echo(HttpContext context)
    {
        var text = new StringBuilder();
        text.Append("method=").Append(context.Request.Method).Append('\n');
        text.Append("target=").Append(context.Features.Get<IHttpRequestFeature>()!.RawTarget).Append('\n');
        text.Append("scheme=").Append(context.Request.Scheme).Append('\n');
        foreach (var (name, value) in context.Request.Headers)
        {
            text.Append(name.ToLowerInvariant()).Append(": ").Append(value.ToString()).Append('\n');
        }

        var body = Encoding.UTF8.GetBytes(text.ToString());
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
