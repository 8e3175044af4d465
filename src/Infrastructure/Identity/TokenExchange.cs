using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using OneMcp.Application.Authorization.Queries;
using OneMcp.Application.Diagnostics;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// The token endpoint's last step, after OpenIddict has checked the client, PKCE, the code or refresh token
/// (single use, rotation, reuse detection): the user must still exist and be enabled, and a refresh may
/// only narrow the scopes it was granted, and tags the policies now keep from the user are withheld from it.
/// </summary>
internal static class TokenExchange
{
    /// <summary>The answer handed back to OpenIddict, counted (onemcp_tokens_issued_total / onemcp_tokens_refused_total).</summary>
    public static async Task<IResult> HandleAsync(HttpContext context, IMediator mediator, GatewayTelemetry telemetry)
    {
        var request = OpenIddictPassthrough.RequestOf(context, "token");
        var result = await ExchangeAsync(context, request, mediator);
        // A grant OpenIddict refuses itself never gets here.
        if (result is SignInHttpResult)
        {
            telemetry.TokenIssued(request.GrantType ?? "unknown");
        }
        else
        {
            telemetry.TokenRefused("token_endpoint");
        }

        return result;
    }

    private static async Task<IResult> ExchangeAsync(HttpContext context, OpenIddictRequest request, IMediator mediator)
    {
        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType())
        {
            return OpenIddictPassthrough.Reject(Errors.UnsupportedGrantType, "Only the authorization_code and refresh_token grants are supported.");
        }

        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { } principal)
        {
            return OpenIddictPassthrough.Reject(Errors.InvalidGrant, "The grant is not valid any more.");
        }

        var user = Guid.TryParse(principal.GetClaim(Claims.Subject), out var id) ? await mediator.Send(new GetUserAccountQuery(id), context.RequestAborted) : null;
        if (user is null || user.Disabled)
        {
            return OpenIddictPassthrough.Reject(Errors.InvalidGrant, "The user of this grant no longer exists or was disabled.");
        }

        var narrowedTo = request.IsRefreshTokenGrantType() && !string.IsNullOrEmpty(request.Scope) ? request.GetScopes() : (IReadOnlyCollection<string>?)null;
        var withheldNow = await mediator.Send(new GetWithheldTagsQuery(user.UserName, user.IsAdmin), context.RequestAborted);
        return OAuthPrincipals.Reissue(principal, user, narrowedTo, withheldNow, out var exceeding) is { } reissued
            ? OpenIddictPassthrough.SignIn(reissued)
            : OpenIddictPassthrough.Reject(Errors.InvalidScope, $"The scope '{exceeding}' exceeds what was originally granted.");
    }
}
