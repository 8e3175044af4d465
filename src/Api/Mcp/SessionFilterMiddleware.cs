using Microsoft.Extensions.Primitives;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Api.Http;
using OneMcp.Domain.Presets;

namespace OneMcp.Api.Mcp;

/// <summary>
/// Reads the session's tag filter (<c>tags</c>, <c>tag-filter</c> or <c>preset</c>) from the URL of the
/// request that opens a session, and refuses a bad one with a JSON-RPC error before any session exists.
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
                var expression = await StoredExpressionAsync(context, preset);
                var filter = SessionFilter.FromQuery(
                    Single(query, SessionFilter.TagsParameter),
                    Single(query, SessionFilter.TagFilterParameter),
                    preset,
                    resolvePreset: _ => expression);

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

    // Looked up before parsing because the store is asynchronous; a name no preset can have is simply unknown.
    private static async Task<string?> StoredExpressionAsync(HttpContext context, string? name)
    {
        if (!Preset.IsValidName(name) || context.RequestServices.GetService<IPresetRepository>() is not { } presets)
        {
            return null;
        }

        return (await presets.FindByNameAsync(name!, context.RequestAborted))?.Expression;
    }

    // A streamable HTTP POST without a session id opens a session; so does a legacy SSE GET.
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
