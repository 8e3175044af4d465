using MediatR;
using Microsoft.AspNetCore.Authentication;
using OneMcp.Application.Users;
using OneMcp.Application.Users.Commands;
using OneMcp.Infrastructure.Identity;
using OneMcp.Infrastructure.Identity.Oidc;
using OneMcp.Infrastructure.Settings;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;

namespace OneMcp.Api.Auth;

/// <summary>
/// "Sign in with &lt;provider&gt;" (ADR 0034): <see cref="StartPath"/> sends the browser to the identity provider, and
/// <see cref="OidcOptions.CallbackPath"/> takes its answer, which OpenIddict's client has already checked (state, iss,
/// the ID token's signature, audience, lifetime and nonce). Every refusal is a page that says why in a sentence and
/// signs nobody in; nothing is created for a refused answer.
/// </summary>
internal static partial class IdentityProviderEndpoints
{
    public const string StartPath = GatewayAuthPaths.ProviderSignIn;

    public static void MapIdentityProviderSignIn(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(StartPath, StartAsync);
        endpoints.MapMethods(GatewayAuthPaths.ProviderCallback, [HttpMethods.Get, HttpMethods.Post], CallbackAsync).DisableAntiforgery();
    }

    private static async Task<IResult> StartAsync(
        HttpContext context, IdentityProviderRules provider, IdentityProviderStatus status, OpenIddictClientService client, ILoggerFactory loggers, string? returnUrl)
    {
        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.ProviderName] = IdentityProviderSignIn.ProviderName,
        })
        {
            RedirectUri = LoginEndpoints.SafeReturnUrl(returnUrl),
        };

        try
        {
            // The metadata the challenge needs (cached by OpenIddict): read here first, because a challenge that cannot
            // get it answers with OpenIddict's own plain-text error instead of a page.
            await client.GetServerConfigurationByProviderNameAsync(IdentityProviderSignIn.ProviderName, context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or OpenIddict.Abstractions.OpenIddictExceptions.ProtocolException)
        {
            LogStartFailed(loggers.CreateLogger(typeof(IdentityProviderEndpoints)), e, provider.DisplayName);
            status.Unreachable($"{provider.DisplayName} cannot be reached right now.");
            return AuthPages.Login(
                context, properties.RedirectUri, null, $"{provider.DisplayName} cannot be reached right now. Try again in a moment.", StatusCodes.Status503ServiceUnavailable);
        }

        status.Reachable();

        // Writes the redirect to the provider's authorization endpoint, with state, nonce and the PKCE challenge.
        await context.ChallengeAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme, properties);
        return Results.Empty;
    }

    private static async Task<IResult> CallbackAsync(
        HttpContext context, IdentityProviderRules provider, OidcOptions oidc, AuthSettings settings, IMediator mediator, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(IdentityProviderEndpoints));
        var result = await context.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        if (!result.Succeeded || result.Principal is not { Identity.IsAuthenticated: true } principal)
        {
            var error = result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.Error);
            var description = result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.ErrorDescription);
            LogRefused(logger, provider.DisplayName, error ?? "no_answer", description ?? result.Failure?.Message ?? "none");
            return Refused(context, provider, error switch
            {
                "access_denied" => $"{provider.DisplayName} did not sign you in (the sign-in was cancelled or refused there).",
                null => $"This page only finishes a sign-in with {provider.DisplayName}; there is none to finish.",
                _ => $"The answer from {provider.DisplayName} was refused: {description ?? error}",
            });
        }

        var identityToken = result.Properties?.GetTokenValue(OpenIddictClientAspNetCoreConstants.Tokens.BackchannelIdentityToken)
            ?? result.Properties?.GetTokenValue(OpenIddictClientAspNetCoreConstants.Tokens.FrontchannelIdentityToken);
        if (ProviderClaims.ExpiryOf(identityToken) is not { } expires || expires <= time.GetUtcNow())
        {
            LogRefused(logger, provider.DisplayName, "invalid_token", $"ID token expired at {ProviderClaims.ExpiryOf(identityToken)}");
            return Refused(context, provider, $"The answer from {provider.DisplayName} was refused: its ID token has expired (check the clocks of the provider and this gateway).");
        }

        if (ProviderClaims.IdentityOf(principal, oidc.RoleClaim) is not { } identity)
        {
            return Refused(context, provider, $"{provider.DisplayName} did not say who you are (its answer has no 'sub').");
        }

        var signIn = await mediator.Send(new SignInWithProviderCommand(identity, settings.ScopeMatch, settings.ScopeValidation), context.RequestAborted);
        switch (signIn.Outcome)
        {
            case SignInOutcome.Succeeded:
                await CookieSessions.SignInAsync(context, signIn.UserId, signIn.UserName!, signIn.Role);
                return Results.Redirect(LoginEndpoints.SafeReturnUrl(result.Properties?.RedirectUri));
            case SignInOutcome.AccountDisabled:
                return Refused(context, provider, "Your account is disabled on this gateway. Ask an administrator.", StatusCodes.Status403Forbidden);
            case SignInOutcome.DomainNotAllowed:
                return Refused(
                    context, provider, $"Accounts of your e-mail domain may not sign in to this gateway ({string.Join(", ", provider.AllowedDomains)} only).",
                    StatusCodes.Status403Forbidden);
            default:
                throw new InvalidOperationException($"A provider sign-in cannot end with {signIn.Outcome}.");
        }
    }

    private static IResult Refused(HttpContext context, IdentityProviderRules provider, string message, int statusCode = StatusCodes.Status400BadRequest) =>
        AuthPages.SignInRefused(context, $"Sign-in with {provider.DisplayName} failed", message, statusCode);

    /// <summary>With <c>--disable-local-login</c>: the password form is gone, and a post to it is refused like this.</summary>
    public static IResult LocalLoginDisabled(HttpContext context) =>
        AuthPages.Login(context, "/oauth", null, "Sign-in with a password is turned off on this gateway.", StatusCodes.Status403Forbidden);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot send a sign-in to {Provider}: its metadata or authorization endpoint cannot be reached.")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an answer from {Provider}: {Error} ({Description}).")]
    private static partial void LogRefused(ILogger logger, string provider, string error, string description);
}
