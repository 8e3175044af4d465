using MediatR;
using OneMcp.Application.Diagnostics;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Auth;

/// <summary>The token endpoint (OpenIddict's passthrough): the exchange itself is <see cref="TokenExchange"/>.</summary>
internal static class TokenEndpoint
{
    public static void MapToken(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(GatewayAuthPaths.Token, (HttpContext context, IMediator mediator, GatewayTelemetry telemetry) =>
            TokenExchange.HandleAsync(context, mediator, telemetry)).DisableAntiforgery();
}
