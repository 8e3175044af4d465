using MediatR;
using Microsoft.Extensions.Primitives;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Application.Gateway.Filtering.Queries;
using OneMcp.Api.Http;

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
                if (Auth.ScopeGrants.For(context) is { } grant && grant.Missing(filter.RequestedTags) is { Count: > 0 } missing)
                {
                    await Auth.ScopeGrants.WriteInsufficientScopeAsync(context, missing);
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
}
