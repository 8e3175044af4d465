using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using OneMcp.Api.Endpoints;
using OneMcp.Api.Http;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace OneMcp.Api.Auth;

/// <summary>
/// Guards the MCP endpoints (<c>/mcp</c>, <c>/sse</c>, <c>/messages</c>) and the REST API with the gateway's
/// own access tokens: no token gets the RFC 9728 challenge, a bad one (unknown, expired, revoked, another
/// audience) the same plus <c>error="invalid_token"</c>. The REST API also takes the dashboard's sign-in
/// cookie, with an anti-forgery token on every change; what needs the admin role is said by each endpoint.
/// </summary>
internal sealed class BearerAuthentication(RequestDelegate next, SessionOwners owners)
{
    /// <summary>The header carrying the dashboard's anti-forgery token on unsafe REST requests made with the cookie.</summary>
    public const string CsrfHeader = "X-CSRF-Token";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var isMcp = JsonRpcErrors.IsMcpPath(path);
        var isApi = path.StartsWithSegments(ControlPlaneApi.Prefix);
        if (!isMcp && !isApi)
        {
            await next(context);
            return;
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        var presented = authorization.Length > 0;
        ClaimsPrincipal? user = null;
        var viaCookie = false;
        // Resolved per request: with --port 0 the validation options exist only once the gateway listens.
        var cache = presented ? context.RequestServices.GetRequiredService<ValidatedTokenCache>() : null;
        if (cache is not null && cache.TryGet(authorization, out var cached))
        {
            user = cached;
        }
        else if (cache is not null)
        {
            var version = cache.Version;
            user = await ValidateTokenAsync(context, requestStepDone: !isMcp);
            if (user is not null)
            {
                cache.Add(authorization, user, version);
            }
        }
        else if (isApi)
        {
            var cookie = await context.AuthenticateAsync(AuthSettings.CookieScheme);
            user = cookie.Succeeded ? cookie.Principal : null;
            viaCookie = user is not null;
        }

        if (user is null)
        {
            await ChallengeAsync(context, isMcp, presented);
            return;
        }

        context.User = user;
        var subject = user.GetClaim(OpenIddictConstants.Claims.Subject) ?? string.Empty;
        if (isMcp && SessionIdOf(context.Request) is { } sessionId && !owners.MayUse(sessionId, subject))
        {
            // The same answer as for a session that does not exist: nothing about it is disclosed.
            await JsonRpcErrors.WriteAsync(context, StatusCodes.Status404NotFound, JsonRpcErrors.SessionNotFound, "Session not found.");
            return;
        }

        if (isMcp && HttpMethods.IsPost(context.Request.Method) && SessionIdOf(context.Request) is { } id
            && owners.Find(id) is { } session && ScopeGrants.For(context) is { } grant)
        {
            // A narrowed (refreshed) or revoked-tag grant applies from the next message on.
            session.Narrow(grant);
        }

        if (isApi && viaCookie && !IsSafe(context.Request.Method)
            && !await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context))
        {
            // A cookie rides along with any request the browser sends: a change must also prove it comes from the
            // dashboard's own page, which alone can read the token of GET /api/session.
            await Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Forbidden",
                detail: $"A change made with the sign-in cookie needs the {CsrfHeader} header from GET /api/session.").ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>
    /// Validates the presented access token with OpenIddict. The MCP endpoints skip the authentication middleware
    /// (GatewayAuth), so OpenIddict's request step, which its authentication step builds on, is run here first.
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
        return result.Succeeded ? result.Principal : null;
    }

    private static async Task ChallengeAsync(HttpContext context, bool isMcp, bool tokenPresented)
    {
        // Resolved per request: with --port 0 the settings exist only once the gateway listens.
        var settings = context.RequestServices.GetRequiredService<AuthSettings>();
        var challenge = $"Bearer resource_metadata=\"{settings.ResourceMetadataUrl}\"";
        const string Description = "The access token is missing, expired, revoked or not meant for this gateway.";
        if (tokenPresented)
        {
            context.RequestServices.GetService<Application.Diagnostics.GatewayTelemetry>()?.TokenRefused("bearer");
            challenge += $", error=\"invalid_token\", error_description=\"{Description}\"";
        }

        context.Response.Headers.WWWAuthenticate = challenge;
        var message = tokenPresented ? Description : "Authorization required: sign in through the gateway's OAuth authorization server.";
        if (isMcp)
        {
            await JsonRpcErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, JsonRpcErrors.Unauthorized, message);
        }
        else
        {
            await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: message).ExecuteAsync(context);
        }
    }

    /// <summary>
    /// The session id the SDK will route this request by, read exactly as it reads it: legacy SSE messages by the
    /// <c>sessionId</c> query parameter only, streamable HTTP by the <c>Mcp-Session-Id</c> header only. Reading the
    /// other one as well would let a caller name their own session where the check looks and a victim's session
    /// where the SDK routes.
    /// </summary>
    private static string? SessionIdOf(HttpRequest request)
    {
        var path = request.Path;
        var legacy = path.StartsWithSegments(GatewayRoutes.Messages) || path.StartsWithSegments(GatewayRoutes.SdkMessage)
            || path.StartsWithSegments(GatewayRoutes.Sse) || path.StartsWithSegments(GatewayRoutes.SdkSse);
        var id = legacy ? request.Query["sessionId"].ToString() : request.Headers["Mcp-Session-Id"].ToString();
        return id.Length > 0 ? id : null;
    }

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
}
