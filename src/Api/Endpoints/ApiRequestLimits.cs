using Microsoft.AspNetCore.Http.Features;

namespace OneMcp.Api.Endpoints;

/// <summary>Caps request bodies on the REST API; a larger declared body is refused before it is read.</summary>
internal sealed class ApiRequestLimits(RequestDelegate next, IProblemDetailsService problems)
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
            // Thrown into the API's exception handler, so the answer is the same ProblemDetails as for a chunked body.
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        await next(context);

        // A body without a declared length hits the limit while the endpoint binds it; the framework then
        // answers a bare 413, which gets the same ProblemDetails as above.
        if (context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            var (status, title, detail, _) = ApiProblemDetailsHandler.Map(new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge));
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail, Instance = context.Request.Path },
            });
        }
    }
}
