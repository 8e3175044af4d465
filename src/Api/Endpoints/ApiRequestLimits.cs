using Microsoft.AspNetCore.Http.Features;

namespace OneMcp.Api.Endpoints;

/// <summary>
/// Caps request bodies on the REST API; a larger body is answered by the API's exception handler, with the same
/// ProblemDetails whether its length was declared (refused before it is read) or not (the framework's bare 413).
/// </summary>
internal sealed class ApiRequestLimits(RequestDelegate next)
{
    public const long MaxBodyBytes = 256 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments(ControlPlaneApi.Prefix))
        {
            await next(context);
            return;
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            throw TooLarge();
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            throw TooLarge();
        }
    }

    private static BadHttpRequestException TooLarge() => new("Request body too large.", StatusCodes.Status413PayloadTooLarge);
}
