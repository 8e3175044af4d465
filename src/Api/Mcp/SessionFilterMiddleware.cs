using MediatR;
using Microsoft.Extensions.Primitives;
using OneMcp.Api.Http;
using OneMcp.Application.Authorization;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Filtering.Queries;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Mcp;

/// <summary>
/// Reads the session's tag filter (<c>tags</c>, <c>tag-filter</c> or <c>preset</c>) from the URL of the
/// request that opens a session, or of every 2026-07-28 request, and refuses a bad one with a JSON-RPC error before any session exists.
/// </summary>
internal sealed class SessionFilterMiddleware(RequestDelegate next)
{
    private const string FilterKey = "onemcp.filter";

    public static SessionFilter FilterOf(HttpContext context) =>
        context.Items.TryGetValue(FilterKey, out var filter) && filter is SessionFilter f ? f : SessionFilter.None;

    public async Task InvokeAsync(HttpContext context)
    {
        if (OpensSession(context.Request))
        {
            var query = context.Request.Query;
            try
            {
                var preset = Single(query, SessionFilter.PresetParameter);
                var filter = await context.RequestServices.GetRequiredService<IMediator>().Send(
                    new ResolveSessionFilterQuery(Single(query, SessionFilter.TagsParameter), Single(query, SessionFilter.TagFilterParameter), preset),
                    context.RequestAborted);

                // Under scope validation a filter may only narrow: every tag it names (negated ones too) must be granted.
                if (ScopeGrants.For(context) is { } grant && grant.Missing(filter.RequestedTags) is { Count: > 0 } missing)
                {
                    await WriteInsufficientScopeAsync(context, missing);
                    return;
                }

                context.Items[FilterKey] = filter;
            }
            catch (SessionFilterException e)
            {
                await JsonRpcErrors.WriteAsync(context, StatusCodes.Status400BadRequest, JsonRpcErrors.InvalidParams, e.Message);
                return;
            }
        }

        await next(context);
    }

    // A streamable HTTP POST without a session id opens a session (an initialize) or is served alone (a
    // 2026-07-28 request, which never has one); so does a legacy SSE GET.
    private static bool OpensSession(HttpRequest request) =>
        (HttpMethods.IsPost(request.Method) && request.Path == GatewayRoutes.Mcp && !request.Headers.ContainsKey("Mcp-Session-Id"))
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
