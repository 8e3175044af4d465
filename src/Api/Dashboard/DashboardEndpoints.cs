using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Primitives;
using OneMcp.Api.Endpoints;
using OneMcp.Infrastructure.Assets;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Dashboard;

/// <summary>
/// The OAuth management dashboard: a static single-page application (plain ES modules, no build step) at
/// <c>/oauth</c>, its assets under <c>/oauth/app/</c>, and <c>/</c> sending the browser there. The files live in
/// <c>wwwroot/oauth</c> and are embedded in the assembly, so a published (or single-file) gateway always
/// carries the dashboard that matches its API. Everything is sent with a Content-Security-Policy that
/// allows only the gateway's own scripts, styles and API. <c>/oauth/callback/{server}</c> is not mapped here.
/// </summary>
internal static class DashboardEndpoints
{
    public const string Path = "/oauth";
    public const string AssetPrefix = "/oauth/app/";

    public const string Csp =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private const string ResourcePrefix = "wwwroot/oauth/";

    private static readonly Lazy<EmbeddedFiles> Assets = new(() => EmbeddedFiles.Load(typeof(DashboardEndpoints).Assembly, ResourcePrefix));

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", () => Results.Redirect(Path)).ExcludeFromDescription();
        // Also answers /oauth/ (routing ignores a trailing slash).
        endpoints.MapGet(Path, (Func<HttpContext, Task<IResult>>)ServeIndexAsync).ExcludeFromDescription();
        endpoints.MapGet(AssetPrefix + "{**file}", (string file, HttpContext context) =>
                Assets.Value.TryGetValue("app/" + file, out var asset) ? Serve(context, asset) : Results.NotFound())
            .ExcludeFromDescription();
        // The sign-in and consent pages (and any browser) ask for it: the dashboard's icon rather than a 404.
        endpoints.MapGet("/favicon.ico", (HttpContext context) =>
                Assets.Value.TryGetValue("app/icon.svg", out var icon) ? Serve(context, icon) : Results.NotFound())
            .ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> ServeIndexAsync(HttpContext context)
    {
        if (!ApiCaller.AuthDisabled(context))
        {
            var session = await context.AuthenticateAsync(AuthSettings.CookieScheme);
            if (!session.Succeeded)
            {
                var returnUrl = context.Request.Path + context.Request.QueryString;
                return Results.Redirect(GatewayAuthPaths.Login + "?returnUrl=" + Uri.EscapeDataString(returnUrl));
            }
        }

        return Assets.Value.TryGetValue("index.html", out var index) ? Serve(context, index) : Results.NotFound();
    }

    private static IResult Serve(HttpContext context, EmbeddedFile asset)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Csp;
        // X-Content-Type-Options and X-Frame-Options: SecurityHeaders, on every answer.
        // Not no-referrer: Chromium then sends "Origin: null" on form posts (sign-out), which the host guard refuses.
        headers["Referrer-Policy"] = "same-origin";
        // Always revalidated (the ETag makes that cheap): after an upgrade the browser runs the new dashboard.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch is { Count: > 0 } etags && Matches(etags, asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static bool Matches(StringValues ifNoneMatch, string etag) =>
        ifNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag || t.Trim() == "*"));
}
