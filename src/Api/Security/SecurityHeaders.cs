namespace OneMcp.Api.Security;

/// <summary>
/// The headers every answer of the gateway carries, whoever wrote it (the gateway's pages, the dashboard, OpenIddict's
/// own error answers, ASP.NET Core's bare statuses, a relayed answer): <c>X-Content-Type-Options: nosniff</c>, so a
/// browser never reads a text or JSON answer as a page or a script; and on every HTML page <c>X-Frame-Options: DENY</c>,
/// plus <c>frame-ancestors 'none'</c> when the page set no Content-Security-Policy of its own (the gateway's pages
/// set theirs, with it), so no page of the gateway can be framed by another site. Set just before the headers are
/// sent, so an answer cleared on the way (an exception turned into ProblemDetails) carries them too.
/// </summary>
internal static class SecurityHeaders
{
    private const string NoFraming = "frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        context.Response.OnStarting(Apply, context);
        return next(context);
    });

    private static Task Apply(object state)
    {
        var response = ((HttpContext)state).Response;
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        if (response.ContentType is { } type && type.StartsWith("text/html", StringComparison.OrdinalIgnoreCase))
        {
            headers.XFrameOptions = "DENY";
            if (headers.ContentSecurityPolicy.Count == 0)
            {
                headers.ContentSecurityPolicy = NoFraming;
            }
        }

        return Task.CompletedTask;
    }
}
