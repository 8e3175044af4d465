using Microsoft.AspNetCore.Antiforgery;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Endpoints;

internal static class SessionEndpoints
{
    /// <summary>Who is signed in, and the anti-forgery token the dashboard sends with every change.</summary>
    public sealed record SessionView(bool AuthEnabled, bool ScopeValidation, SessionUser? User, string CsrfToken);

    public sealed record SessionUser(string Name, string Role);

    public static void MapSession(this RouteGroupBuilder api) =>
        api.MapGet("/session", (HttpContext context, IAntiforgery antiforgery) =>
            {
                var tokens = antiforgery.GetAndStoreTokens(context);
                var settings = context.RequestServices.GetService<AuthSettings>();
                var user = ApiCaller.UserName(context) is { } name
                    ? new SessionUser(name, ApiCaller.IsAdmin(context) ? Application.Users.UserRoles.Admin : Application.Users.UserRoles.Member)
                    : null;
                context.Response.Headers.CacheControl = "no-store";
                return new SessionView(settings is not null, settings?.ScopeValidation == true, user, tokens.RequestToken!);
            })
            .WithTags("Session").WithName("GetSession");
}
