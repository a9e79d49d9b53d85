using System.Security.Cryptography;
using System.Text;

namespace YarpEgress.Admin;

/// <summary>
/// The live page at <c>/</c> of the admin listener: one HTML document from the assembly, with its style and script
/// inline and no external asset. Its Content-Security-Policy admits that one script and that one style sheet by their
/// SHA-256 (computed here, so an edit cannot leave a stale hash) and lets the page fetch only from its own origin.
/// </summary>
internal static class AdminPage
{
    public const string ResourceName = "YarpEgress.Admin.AdminPage.html";

    private static readonly Lazy<(byte[] Html, string Policy)> Page = new(Load);

    /// <summary>The page's bytes (UTF-8).</summary>
    public static byte[] Html => Page.Value.Html;

    /// <summary>The Content-Security-Policy header value it is served with.</summary>
    public static string ContentSecurityPolicy => Page.Value.Policy;

    public static Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = Html.Length;
        return response.Body.WriteAsync(Html).AsTask();
    }

    private static (byte[], string) Load()
    {
        using var stream = typeof(AdminPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var html = reader.ReadToEnd();
        var policy = $"default-src 'none'; script-src '{Hash(Inline(html, "script"))}'; style-src '{Hash(Inline(html, "style"))}'; " +
                     "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        return (Encoding.UTF8.GetBytes(html), policy);
    }

    /// <summary>The text of the page's one <c>&lt;tag&gt;</c> element, exactly as the browser hashes it.</summary>
    private static string Inline(string html, string tag)
    {
        var open = $"<{tag}>";
        var start = html.IndexOf(open, StringComparison.Ordinal);
        var end = html.IndexOf($"</{tag}>", start + 1, StringComparison.Ordinal);
        if (start < 0 || end < 0 || html.IndexOf(open, end, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"{ResourceName} must have exactly one <{tag}> element without attributes");
        }

        return html[(start + open.Length)..end];
    }

    private static string Hash(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
