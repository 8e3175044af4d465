using Microsoft.AspNetCore.Antiforgery;
using OneMcp.Api.Endpoints;
using OneMcp.Api.Http;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Infrastructure.Identity;
using OneMcp.Infrastructure.Persistence;
using OpenIddict.Abstractions;

namespace OneMcp.Api.Auth;

/// <summary>
/// Guards the MCP endpoints (<c>/mcp</c>, <c>/sse</c>, <c>/messages</c>) and the REST API with the gateway's
/// own access tokens (<see cref="RequestAuthentication"/>): no token gets the RFC 9728 challenge, a bad one (unknown,
/// expired, revoked, another audience) the same plus <c>error="invalid_token"</c>. The REST API also takes the
/// dashboard's sign-in cookie, with an anti-forgery token on every change; what needs the admin role is said by each endpoint.
/// </summary>
internal sealed class BearerAuthentication(RequestDelegate next, SessionOwners owners, OAuthStoreChanges storeChanges, LiveTokenRequests liveRequests)
{
    /// <summary>The header carrying the dashboard's anti-forgery token on unsafe REST requests made with the cookie.</summary>
    public const string CsrfHeader = "X-CSRF-Token";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var isMcp = JsonRpcErrors.IsMcpPath(path);
        if (!isMcp && !path.StartsWithSegments(ControlPlaneApi.Prefix))
        {
            await next(context);
            return;
        }

        var validatedAt = storeChanges.Version;
        var caller = await RequestAuthentication.AuthenticateAsync(context, isMcp);
        if (caller.User is not { } user)
        {
            var message = RequestAuthentication.Challenge(context, caller.TokenPresented);
            await (isMcp
                ? JsonRpcErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, JsonRpcErrors.Unauthorized, message)
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: message).ExecuteAsync(context));
            return;
        }

        context.User = user;
        var sessionId = isMcp ? SessionIdOf(context.Request) : null;
        if (sessionId is not null && !owners.MayUse(sessionId, user.GetClaim(OpenIddictConstants.Claims.Subject) ?? string.Empty))
        {
            // The same answer as for a session that does not exist: nothing about it is disclosed.
            await JsonRpcErrors.WriteSessionNotFoundAsync(context);
            return;
        }

        if (sessionId is not null && HttpMethods.IsPost(context.Request.Method) && owners.Find(sessionId) is { } session && ScopeGrants.For(context) is { } grant)
        {
            // A narrowed (refreshed) or revoked-tag grant applies from the next message on.
            session.Narrow(grant);
        }

        if (caller.ViaCookie && !IsSafe(context.Request.Method)
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

        // A stream or call left open on this token ends when the token is revoked (a new request is refused at once).
        using var live = isMcp ? liveRequests.Track(context, user, validatedAt) : null;
        await next(context);
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
        var id = legacy ? request.Query["sessionId"].ToString() : request.Headers[McpHeaders.SessionId].ToString();
        return id.Length > 0 ? id : null;
    }

    /// <summary>
    /// True when the request to an MCP endpoint carries a bearer token <see cref="InvokeAsync"/> will accept, validated
    /// the same way (<see cref="RequestAuthentication"/>) and kept for the request, so that check does not validate it
    /// again. The session relay asks before it looks up a session another replica may hold (ADR 0031): a caller
    /// without a valid token makes no lookup and gets this check's 401. A database too far gone to validate the token
    /// answers false as well: the request goes on to the 503 the gateway answers then.
    /// </summary>
    public static async Task<bool> AcceptsTokenAsync(HttpContext context)
    {
        try
        {
            return (await RequestAuthentication.AuthenticateAheadAsync(context, isMcp: true)).User is not null;
        }
        catch (DatabaseUnreachableException)
        {
            return false;
        }
    }

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
}
