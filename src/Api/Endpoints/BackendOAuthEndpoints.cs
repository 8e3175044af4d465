using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.WebUtilities;
using OneMcp.Application.Authorization;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Connections;
using OneMcp.Application.Users;
using OneMcp.Application.Users.Queries;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;

namespace OneMcp.Api.Endpoints;

/// <summary>
/// The gateway as an OAuth client of its backends: Authorize and Restart OAuth on the REST API, and the callback
/// the backend's authorization server sends the browser back to, which hands over to the dashboard (for a per-user
/// backend: the signed-in user's own connection, ADR 0033).
/// </summary>
internal static class BackendOAuthEndpoints
{
    public const string CallbackPrefix = "/oauth/callback";

    /// <summary>The failed callback's code, backend and message, for the dashboard's alert (read once by its script).</summary>
    public const string CallbackErrorCookie = "onemcp_oauth_error";

    public sealed record AuthorizeAnswer(Uri RedirectUrl);

    public static void MapBackendOAuth(this RouteGroupBuilder backends)
    {
        backends.MapPost("/{name}/oauth/authorize", async (string name, HttpContext context, IMediator mediator, CancellationToken ct) =>
                new AuthorizeAnswer(await mediator.Send(new StartBackendAuthorizationCommand(name, SubjectOf(context), CallbackUrl(context, name)), ct)))
            .RequireAdmin().WithName("AuthorizeBackend")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status502BadGateway);

        backends.MapPost("/{name}/oauth/restart", (string name, IMediator mediator, CancellationToken ct) => mediator.Send(new RestartBackendOAuthCommand(name), ct))
            .RequireAdmin().WithName("RestartBackendOAuth").ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static void MapBackendOAuthCallback(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(CallbackPrefix + "/{name}", async (string name, HttpContext context, IMediator mediator) =>
        {
            string subject;
            if (ApiCaller.AuthDisabled(context))
            {
                subject = AuthorizationRequestView.LocalOperator;
            }
            else if (await SignedInUserAsync(context, mediator) is { } user)
            {
                subject = user.Id.ToString("D");
            }
            else
            {
                // Signed out in between (or another browser): sign in, then this same answer is checked.
                return Results.Redirect(QueryHelpers.AddQueryString(GatewayAuthPaths.Login, "returnUrl", context.Request.Path + context.Request.QueryString));
            }

            var query = context.Request.Query;
            var view = "#backends";
            try
            {
                if (await mediator.Send(new IsPerUserBackendQuery(name), context.RequestAborted))
                {
                    // The signed-in user's own connection ("local" without auth).
                    view = "#connections";
                    var outcome = await mediator.Send(
                        new CompleteUserConnectionCommand(name, new ConnectionOwner(subject), query["state"], query["code"], query["error"], query["error_description"]),
                        context.RequestAborted);
                    return Results.Redirect(QueryHelpers.AddQueryString("/oauth", outcome == UserConnectionOutcome.Connected ? "connected" : "awaiting", name) + view);
                }

                var requestId = await mediator.Send(
                    new CompleteBackendAuthorizationCommand(name, subject, query["state"], query["code"], query["error"], query["error_description"]),
                    context.RequestAborted);
                return Results.Redirect($"/oauth?request={requestId:D}#backends");
            }
            catch (Exception e) when (e is BackendOAuthException or FluentValidation.ValidationException or Application.Common.Exceptions.NotFoundException
                or Domain.Common.DomainException or Domain.Common.ConcurrencyConflictException)
            {
                // A save that lost to other writers every time is the API's 409 "version_conflict"; the rest keep theirs.
                var code = e switch
                {
                    BackendOAuthException oauth => oauth.Code,
                    Domain.Common.ConcurrencyConflictException => Application.Common.Exceptions.ControlPlaneError.Of(e)!.Code!,
                    _ => "invalid_request",
                };
                var description = e is FluentValidation.ValidationException ? "This backend name is not valid." : e.Message;

                // What the dashboard shows travels in a cookie only this answer can set, not in the URL: a link to
                // /oauth?error_description=<any text> would otherwise put that text in the gateway's own alert.
                context.Response.Cookies.Append(CallbackErrorCookie, System.Text.Json.JsonSerializer.Serialize(
                    new Dictionary<string, string> { ["code"] = code, ["backend"] = name, ["description"] = description }),
                    new CookieOptions
                    {
                        Path = "/oauth",
                        MaxAge = TimeSpan.FromMinutes(1),
                        SameSite = SameSiteMode.Lax,
                        Secure = context.Request.IsHttps,
                        IsEssential = true,
                    });
                return Results.Redirect(QueryHelpers.AddQueryString("/oauth", new Dictionary<string, string?>
                {
                    ["error"] = code,
                    ["backend"] = name,
                }) + view);
            }
        }).ExcludeFromDescription();

    /// <summary>The enabled user of the sign-in cookie, recorded as the actor of what this request changes.</summary>
    private static async Task<SignedInUser?> SignedInUserAsync(HttpContext context, IMediator mediator)
    {
        var cookie = await context.AuthenticateAsync(AuthSettings.CookieScheme);
        if (!cookie.Succeeded || !Guid.TryParse(cookie.Principal.GetClaim(OpenIddictConstants.Claims.Subject), out var id))
        {
            return null;
        }

        var user = await mediator.Send(new GetSignedInUserQuery(id), context.RequestAborted);
        if (user is not null)
        {
            context.Items[HttpCurrentUser.ItemKey] = new Application.Audit.AuditActor(user.UserName, user.Id.ToString("D"), null);
        }

        return user;
    }

    /// <summary>Who starts the flow: the signed-in user, or the local operator when auth is off.</summary>
    private static string SubjectOf(HttpContext context) => ApiCaller.Subject(context) ?? AuthorizationRequestView.LocalOperator;

    /// <summary>Where a backend's authorization server sends the browser back: the same for the shared flow and each user's own.</summary>
    internal static Uri CallbackUrl(HttpContext context, string name)
    {
        // The issuer is the gateway's public URL when auth is on; otherwise the address this request came to.
        var root = context.RequestServices.GetService<AuthSettings>()?.Issuer.GetLeftPart(UriPartial.Path).TrimEnd('/')
            ?? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";
        return new Uri($"{root}{CallbackPrefix}/{Uri.EscapeDataString(name)}");
    }
}
