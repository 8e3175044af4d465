using MediatR;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OneMcp.Application.Authorization.Queries;
using OneMcp.Application.Diagnostics;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Api.Auth;

/// <summary>
/// The token endpoint's last step, after OpenIddict has checked the client, PKCE, the code or refresh token
/// (single use, rotation, reuse detection): the user must still exist and be enabled, and a refresh may
/// only narrow the scopes it was granted.
/// </summary>
internal static class TokenEndpoint
{
    public const string Path = "/token";

    public static void MapToken(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(Path, async (HttpContext context, IMediator mediator, GatewayTelemetry telemetry) =>
            Counted(context, telemetry, await HandleAsync(context, mediator))).DisableAntiforgery();

    // onemcp_tokens_issued_total / onemcp_tokens_refused_total; a grant OpenIddict refuses itself never gets here.
    private static IResult Counted(HttpContext context, GatewayTelemetry telemetry, IResult result)
    {
        if (result is Microsoft.AspNetCore.Http.HttpResults.SignInHttpResult)
        {
            telemetry.TokenIssued(context.GetOpenIddictServerRequest()?.GrantType ?? "unknown");
        }
        else
        {
            telemetry.TokenRefused("token_endpoint");
        }

        return result;
    }

    private static async Task<IResult> HandleAsync(HttpContext context, IMediator mediator)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict token request is missing.");
        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType())
        {
            return Reject(Errors.UnsupportedGrantType, "Only the authorization_code and refresh_token grants are supported.");
        }

        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { } principal)
        {
            return Reject(Errors.InvalidGrant, "The grant is not valid any more.");
        }

        var user = Guid.TryParse(principal.GetClaim(Claims.Subject), out var id) ? await mediator.Send(new GetUserAccountQuery(id), context.RequestAborted) : null;
        if (user is null || user.Disabled)
        {
            return Reject(Errors.InvalidGrant, "The user of this grant no longer exists or was disabled.");
        }

        var narrowedTo = request.IsRefreshTokenGrantType() && !string.IsNullOrEmpty(request.Scope) ? request.GetScopes() : (IReadOnlyCollection<string>?)null;
        return OAuthPrincipals.Reissue(principal, user, narrowedTo, out var exceeding) is { } reissued
            ? Results.SignIn(reissued, properties: null, OAuthPrincipals.Scheme)
            : Reject(Errors.InvalidScope, $"The scope '{exceeding}' exceeds what was originally granted.");
    }

    private static IResult Reject(string error, string description) => AuthorizeEndpoint.Reject(error, description);
}
