using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace YarpEgress.Admin;

/// <summary>The admin listener's pipeline: health now; metrics and introspection join it later. It never proxies.</summary>
internal static class AdminEndpoints
{
    public static void UseEgressAdmin(this IApplicationBuilder admin)
    {
        admin.Run(context => context.Request.Path.Value switch
        {
            "/healthz" => WriteAsync(context, StatusCodes.Status200OK, "ok"),
            _ => WriteAsync(context, StatusCodes.Status404NotFound, "not found: the admin listener serves /healthz"),
        });
    }

    private static Task WriteAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n");
    }
}
