using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// Outermost guard of the HTTP surface: a request that failed because the database cannot be reached
/// (<see cref="DatabaseAvailability.Classify"/>) is answered <c>503</c> with <c>Retry-After</c> instead of a 500 or
/// a stack: JSON-RPC on the MCP endpoints, ProblemDetails under <c>/api</c>, the OAuth error JSON
/// (<c>temporarily_unavailable</c>) on the token, registration and revocation endpoints, a plain page elsewhere (sign-in and
/// consent forms, the dashboard), written by <paramref name="page"/> in the host's look when it has one. Nothing
/// about the database (host, user, message) reaches the answer.
/// </summary>
public sealed class DatabaseAvailabilityMiddleware(
    RequestDelegate next, DatabaseAvailability availability, Func<PathString, bool> isMcpPath, Func<HttpContext, string, Task>? page = null)
{
    /// <summary>The JSON-RPC error code of the MCP answer (implementation-defined server error).</summary>
    public const int JsonRpcCode = -32010;

    private const string Page = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Temporarily unavailable · OneMcp</title></head>
        <body><main><h1>Temporarily unavailable</h1><p>The gateway's database cannot be reached; try again shortly.</p></main></body>
        </html>
        """;

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (DatabaseAvailability.Classify(e) is not null && !context.Response.HasStarted)
        {
            availability.ReportFailure(e);
            await WriteAsync(context, isMcpPath(context.Request.Path), page);
        }
    }

    /// <summary>Sets the 503 status and <c>Retry-After</c> on a response not yet started.</summary>
    public static void SetUnavailable(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = DatabaseAvailability.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
    }

    // The OAuth endpoints that clients call directly and that answer JSON (the authorization endpoint is a browser's page).
    private static bool IsOAuthJsonEndpoint(PathString path) =>
        path.StartsWithSegments(GatewayAuthPaths.Token) || path.StartsWithSegments(GatewayAuthPaths.Register) || path.StartsWithSegments(GatewayAuthPaths.Revoke);

    private static Task WriteAsync(HttpContext context, bool mcp, Func<HttpContext, string, Task>? page)
    {
        var response = context.Response;
        response.Clear();
        SetUnavailable(response);
        if (mcp)
        {
            response.ContentType = "application/json";
            var error = new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["error"] = new JsonObject { ["code"] = JsonRpcCode, ["message"] = DatabaseAvailability.UnavailableMessage },
                ["id"] = null,
            };
            return response.WriteAsync(error.ToJsonString(JsonSerializerOptions.Web), context.RequestAborted);
        }

        if (IsOAuthJsonEndpoint(context.Request.Path))
        {
            // An OAuth client reads the error of RFC 6749 §5.2 from these, never a page (RFC 6749 §4.1.2.1 names the code).
            response.ContentType = "application/json";
            var error = new JsonObject
            {
                ["error"] = "temporarily_unavailable",
                ["error_description"] = DatabaseAvailability.UnavailableMessage,
            };
            return response.WriteAsync(error.ToJsonString(JsonSerializerOptions.Web), context.RequestAborted);
        }

        if (context.Request.Path.StartsWithSegments("/api"))
        {
            response.ContentType = "application/problem+json";
            var problem = new JsonObject
            {
                ["type"] = "https://tools.ietf.org/html/rfc9110#section-15.6.4",
                ["title"] = "Service Unavailable",
                ["status"] = StatusCodes.Status503ServiceUnavailable,
                ["detail"] = DatabaseAvailability.UnavailableMessage,
                ["instance"] = context.Request.Path.Value,
            };
            return response.WriteAsync(problem.ToJsonString(JsonSerializerOptions.Web), context.RequestAborted);
        }

        if (page is not null)
        {
            return page(context, DatabaseAvailability.UnavailableMessage);
        }

        response.ContentType = "text/html; charset=utf-8";
        return response.WriteAsync(Page, context.RequestAborted);
    }
}
