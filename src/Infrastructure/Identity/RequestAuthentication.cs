using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Diagnostics;
using OneMcp.Infrastructure.Persistence;
using OpenIddict.Validation.AspNetCore;
using ValidationProperties = OpenIddict.Validation.AspNetCore.OpenIddictValidationAspNetCoreConstants.Properties;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// Authenticates a request to the MCP endpoints or the REST API with the gateway's own access tokens (validated by
/// OpenIddict, then cached in <see cref="ValidatedTokenCache"/>); a REST request without a token may come with the
/// dashboard's sign-in cookie instead. The host decides what each surface answers to a caller it refuses. While the
/// store cannot be reached, a token validated before stays accepted until it expires; any other token gets
/// <see cref="DatabaseUnreachableException"/> (503), never a refusal that would send the client to sign in again.
/// </summary>
internal static partial class RequestAuthentication
{
    private const string RefusedTokenDescription = "The access token is missing, expired, revoked or not meant for this gateway.";

    /// <param name="context">The request.</param>
    /// <param name="isMcp">An MCP endpoint: bearer tokens only, and the authentication middleware did not run (GatewayAuth skips it there).</param>
    public static async Task<AuthenticatedCaller> AuthenticateAsync(HttpContext context, bool isMcp)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            if (isMcp)
            {
                return new AuthenticatedCaller(null, TokenPresented: false, ViaCookie: false);
            }

            var cookie = await context.AuthenticateAsync(AuthSettings.CookieScheme);
            var viaCookie = cookie.Succeeded ? cookie.Principal : null;
            return new AuthenticatedCaller(viaCookie, TokenPresented: false, ViaCookie: viaCookie is not null);
        }

        // Resolved per request: with --port 0 the validation options exist only once the gateway listens.
        var cache = context.RequestServices.GetRequiredService<ValidatedTokenCache>();
        if (cache.TryGet(authorization, out var cached))
        {
            return new AuthenticatedCaller(cached, TokenPresented: true, ViaCookie: false);
        }

        // Asked already for this request (by the session relay, AuthenticateAheadAsync): a refused token is not
        // validated twice. Looked at only here, so a token found in the cache pays nothing for it.
        if (context.Features.Get<AuthenticatedAhead>() is { } ahead && ahead.IsMcp == isMcp)
        {
            return ahead.Caller;
        }

        // While the store is known to be down (until its next probe answers, within a second of its return), a token
        // validated before is served without waiting on it, and any other fails fast rather than wait for a connection.
        var database = context.RequestServices.GetService<DatabaseAvailability>();
        if (database is { IsUnreachable: true })
        {
            return cache.TryGetWhileStoreUnreachable(authorization, out var known)
                ? new AuthenticatedCaller(known, TokenPresented: true, ViaCookie: false)
                : throw new DatabaseUnreachableException();
        }

        var version = cache.Version;
        ClaimsPrincipal? user;
        try
        {
            user = await ValidateTokenAsync(context, requestStepDone: !isMcp);
        }
        catch (Exception e) when (DatabaseAvailability.Classify(e) is not null)
        {
            database?.ReportFailure(e);
            return cache.TryGetWhileStoreUnreachable(authorization, out var kept)
                ? new AuthenticatedCaller(kept, TokenPresented: true, ViaCookie: false)
                : throw new DatabaseUnreachableException(DatabaseAvailability.UnavailableMessage, e);
        }

        if (user is not null)
        {
            cache.Add(authorization, user, version);
        }

        return new AuthenticatedCaller(user, TokenPresented: true, ViaCookie: false);
    }

    /// <summary>
    /// Authenticates as <see cref="AuthenticateAsync"/> does, ahead of the check that answers a refused caller, and
    /// keeps the answer on the request: the check's own <see cref="AuthenticateAsync"/> then finds an accepted token in
    /// the cache and a refused one here, and validates neither again.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="isMcp">As for <see cref="AuthenticateAsync"/>.</param>
    public static async Task<AuthenticatedCaller> AuthenticateAheadAsync(HttpContext context, bool isMcp)
    {
        var caller = await AuthenticateAsync(context, isMcp);
        context.Features.Set(new AuthenticatedAhead(caller, isMcp));
        return caller;
    }

    /// <summary>
    /// Sets the RFC 9728 challenge for a refused caller (with <c>error="invalid_token"</c> when a token was presented,
    /// which is counted) and returns the message the answer carries.
    /// </summary>
    public static string Challenge(HttpContext context, bool tokenPresented)
    {
        // Resolved per request: with --port 0 the settings exist only once the gateway listens.
        var settings = context.RequestServices.GetRequiredService<AuthSettings>();
        var challenge = $"Bearer resource_metadata=\"{settings.ResourceMetadataUrl}\"";
        if (tokenPresented)
        {
            context.RequestServices.GetService<GatewayTelemetry>()?.TokenRefused("bearer");
            challenge += $", error=\"invalid_token\", error_description=\"{RefusedTokenDescription}\"";
        }

        context.Response.Headers.WWWAuthenticate = challenge;
        return tokenPresented ? RefusedTokenDescription : "Authorization required: sign in through the gateway's OAuth authorization server.";
    }

    /// <summary>
    /// Validates the presented access token with OpenIddict. The MCP endpoints skip the authentication middleware,
    /// so OpenIddict's request step, which its authentication step builds on, is run here first.
    /// </summary>
    private static async Task<ClaimsPrincipal?> ValidateTokenAsync(HttpContext context, bool requestStepDone)
    {
        const string Scheme = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
        if (!requestStepDone
            && await context.RequestServices.GetRequiredService<IAuthenticationHandlerProvider>().GetHandlerAsync(context, Scheme) is IAuthenticationRequestHandler request)
        {
            // Its result is always false: OpenIddict's validation ends no request by itself.
            await request.HandleRequestAsync();
        }

        var result = await context.AuthenticateAsync(Scheme);
        if (result.Succeeded)
        {
            return result.Principal;
        }

        // Why, in OpenIddict's words (never the token itself): an operator can tell an expired or revoked token from
        // one the gateway could not read.
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestAuthentication).FullName!);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var properties = result.Properties;
            var error = properties?.GetString(ValidationProperties.Error) ?? "invalid_token";
            var description = properties?.GetString(ValidationProperties.ErrorDescription) ?? result.Failure?.Message ?? string.Empty;
            LogTokenRefused(logger, context.Request.Path.Value ?? "/", error, description);
        }

        return null;
    }

    private sealed record AuthenticatedAhead(AuthenticatedCaller Caller, bool IsMcp);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused the bearer token of a request to {Path}: {Error} ({Description})")]
    private static partial void LogTokenRefused(ILogger logger, string path, string error, string description);
}
