using OneMcp.Application.Authorization;

namespace OneMcp.Api.Endpoints;

/// <summary>
/// Endpoints for administrators only (<see cref="RequireAdmin"/>), refused to everyone else by <see cref="UseAdminOnly"/>
/// after routing; who is an administrator is <see cref="ApiCaller.IsAdmin"/>.
/// </summary>
internal static class AdminOnlyMiddleware
{
    /// <summary>Marks an endpoint for administrators only; <see cref="UseAdminOnly"/> refuses everyone else.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Marker.Instance);

    /// <summary>
    /// After routing and before the endpoint binds its body, what <see cref="AdminRights.Required"/> says needs an
    /// administrator is refused to anyone else with 403 whatever it sends, so no error about the body tells them
    /// anything and nothing is touched; a bearer token is told which scope it lacks.
    /// </summary>
    public static IApplicationBuilder UseAdminOnly(this IApplicationBuilder app) =>
        app.Use(static async (context, next) =>
        {
            var bearer = !ApiCaller.AuthDisabled(context) && context.User.Identity?.IsAuthenticated == true && !ApiCaller.ViaCookie(context);
            var changes = context.Request.Path.StartsWithSegments(ControlPlaneApi.Prefix) && !IsSafe(context.Request.Method);
            if (AdminRights.Required(context.GetEndpoint()?.Metadata.GetMetadata<Marker>() is not null, bearer, changes) && !ApiCaller.IsAdmin(context))
            {
                var detail = "This action needs the admin role.";
                if (!ApiCaller.ViaCookie(context) && !ApiCaller.AuthDisabled(context))
                {
                    // RFC 6750 §3.1: the token is valid but lacks the scope; name it, whatever the user's role.
                    context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{OAuthScopes.Admin}\"";
                    detail = $"This action needs an administrator's token holding the scope '{OAuthScopes.Admin}', or the dashboard's sign-in.";
                }

                await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail).ExecuteAsync(context);
                return;
            }

            await next(context);
        });

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }
}
