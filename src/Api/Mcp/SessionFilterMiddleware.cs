using MediatR;
using Microsoft.Extensions.Primitives;
using OneMcp.Api.Http;
using OneMcp.Application.Authorization;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Filtering.Queries;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Mcp;

/// <summary>
/// Reads the session's tag filter (<c>tags</c>, <c>tag-filter</c> or <c>preset</c>) from the URL of the
/// request that opens a session, or of every 2026-07-28 request, and refuses a bad one with a JSON-RPC error before any session exists.
/// On <c>/mcp/&lt;server&gt;</c> it also decides the one backend the session serves: a backend that does not exist, is
/// disabled, or lies outside the filter or the token's grant is answered 404, as if it did not exist (ADR 0025).
/// </summary>
internal sealed class SessionFilterMiddleware(RequestDelegate next)
{
    private const string FilterKey = "onemcp.filter";
    private const string BackendKey = "onemcp.backend";

    public static SessionFilter FilterOf(HttpContext context) =>
        context.Items.TryGetValue(FilterKey, out var filter) && filter is SessionFilter f ? f : SessionFilter.None;

    /// <summary>The one backend a session opened on <c>/mcp/&lt;server&gt;</c> serves; null on <c>/mcp</c>.</summary>
    public static ServerName? BackendOf(HttpContext context) =>
        context.Items.TryGetValue(BackendKey, out var backend) && backend is ServerName name ? name : null;

    // A request in a session (most of them) has nothing to filter: it goes on without a state machine of its own.
    public Task InvokeAsync(HttpContext context)
    {
        var server = GatewayRoutes.ServerOf(context.Request, out var nested);
        return nested || OpensSession(context.Request, server) ? FilterAsync(context, server, nested) : next(context);
    }

    private async Task FilterAsync(HttpContext context, string? server, bool nested)
    {
        if (nested)
        {
            // The SDK would serve legacy SSE under /mcp/<server>/sse; the gateway serves it at /sse only.
            await JsonRpcErrors.WriteAsync(context, StatusCodes.Status404NotFound, JsonRpcErrors.ServerNotFound,
                $"Nothing is served under /mcp/{server}/: one MCP server speaks streamable HTTP at /mcp/{server} (legacy SSE is served at /sse).");
            return;
        }

        var query = context.Request.Query;
        try
        {
            var preset = Single(query, SessionFilter.PresetParameter);
            var tags = Single(query, SessionFilter.TagsParameter);
            var tagFilter = Single(query, SessionFilter.TagFilterParameter);

            // No filter asked for (most requests): nothing to look up or parse, so no trip through the mediator.
            var filter = preset is null && tags is null && tagFilter is null
                ? SessionFilter.None
                : await context.RequestServices.GetRequiredService<IMediator>().Send(new ResolveSessionFilterQuery(tags, tagFilter, preset), context.RequestAborted);

            // Under scope validation a filter may only narrow: every tag it names (negated ones too) must be granted.
            if (filter.RequestedTags.Count > 0 && ScopeGrants.For(context) is { } grant && grant.Missing(filter.RequestedTags) is { Count: > 0 } missing)
            {
                await WriteInsufficientScopeAsync(context, missing);
                return;
            }

            if (filter.Kind != SessionFilterKind.None)
            {
                context.Items[FilterKey] = filter;
            }

            if (server is not null)
            {
                if (!BackendVisibility.TryReach(context.RequestServices.GetRequiredService<IBackendPool>(), server, filter, ScopeGrants.For(context), out var name))
                {
                    await JsonRpcErrors.WriteAsync(context, StatusCodes.Status404NotFound, JsonRpcErrors.ServerNotFound,
                        $"No MCP server '{server}' is served here: it does not exist, is disabled, or lies outside this request's tag filter or token.");
                    return;
                }

                context.Items[BackendKey] = name;
            }
        }
        catch (SessionFilterException e)
        {
            await JsonRpcErrors.WriteAsync(context, StatusCodes.Status400BadRequest, JsonRpcErrors.InvalidParams, e.Message);
            return;
        }

        await next(context);
    }

    // A streamable HTTP POST without a session id (an empty one is none to the SDK too) opens a session (an initialize)
    // or is served alone (a 2026-07-28 request, which never has one); so does a legacy SSE GET. The path is matched as
    // routing matches it: /mcp/ reaches the MCP endpoint too, and its filter must not be skipped.
    private static bool OpensSession(HttpRequest request, string? server) =>
        (HttpMethods.IsPost(request.Method) && (server is not null || Application.Gateway.PerServerPath.IsStreamablePost(request.Method, request.Path.Value))
            && !McpHeaders.NamesSession(request.Headers))
        || (HttpMethods.IsGet(request.Method) && request.Path == GatewayRoutes.SdkSse);

    private static string? Single(IQueryCollection query, string name)
    {
        if (!query.TryGetValue(name, out StringValues values))
        {
            return null;
        }

        return values.Count == 1
            ? values[0]
            : throw new SessionFilterException($"The '{name}' parameter is given more than once.");
    }

    /// <summary>
    /// The 403 of RFC 6750 for a request filter that names tags the token was not granted, in the MCP
    /// surface's JSON-RPC envelope; the challenge names the scopes the request would need.
    /// </summary>
    private static Task WriteInsufficientScopeAsync(HttpContext context, IReadOnlyList<Tag> missing)
    {
        var needed = string.Join(' ', missing.Select(OAuthScopes.ForTag));
        context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{needed}\"";
        return Http.JsonRpcErrors.WriteAsync(
            context,
            StatusCodes.Status403Forbidden,
            Http.JsonRpcErrors.Forbidden,
            $"The token was not granted the tag(s) this filter names: {string.Join(", ", missing.Select(t => t.Value))}.");
    }
}
