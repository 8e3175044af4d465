using System.Globalization;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using OneMcp.Application.Users.Commands;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Auth;

/// <summary>The sign-in page of OneMcp users (a cookie session), and sign-out.</summary>
internal static class LoginEndpoints
{
    public static void MapLogin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(GatewayAuthPaths.Login, (HttpContext context, string? returnUrl) =>
            AuthPages.Login(context, SafeReturnUrl(returnUrl ?? context.Request.Query["ReturnUrl"]), null, null));
        endpoints.MapPost(GatewayAuthPaths.Login, SignInAsync).DisableAntiforgery();
        endpoints.MapPost(GatewayAuthPaths.Logout, async (HttpContext context) =>
        {
            await context.SignOutAsync(AuthSettings.CookieScheme);
            return Results.Redirect(GatewayAuthPaths.Login);
        }).DisableAntiforgery();
    }

    private static async Task<IResult> SignInAsync(HttpContext context, IMediator mediator, TimeProvider time, AuthSettings settings)
    {
        if (!settings.LocalLogin)
        {
            return IdentityProviderEndpoints.LocalLoginDisabled(context);
        }

        if (await PostedForm.ReadAsync(context.Request, context.RequestAborted) is not { } form)
        {
            return AuthPages.Login(context, "/", null, "Send the sign-in form.", StatusCodes.Status400BadRequest);
        }

        var userName = form["username"].ToString();
        var password = form["password"].ToString();
        var returnUrl = SafeReturnUrl(form["returnUrl"]);
        if (userName.Length == 0 || password.Length == 0)
        {
            return AuthPages.Login(context, returnUrl, userName, "Enter your user name and password.", StatusCodes.Status400BadRequest);
        }

        var result = await mediator.Send(new SignInCommand(userName, password, ClientAddress.Key(context)), context.RequestAborted);
        if (result.Outcome == SignInOutcome.AddressThrottled)
        {
            // The address failed too often, whatever names it tried: 429 like the rate limits, as a page a browser shows.
            var wait = result.LockedUntil is { } until ? until - time.GetUtcNow() : TimeSpan.Zero;
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return AuthPages.Login(
                context, returnUrl, userName, "Too many failed sign-ins from this address. " + AuthPages.TryAgainIn(wait), StatusCodes.Status429TooManyRequests);
        }

        if (!result.Succeeded)
        {
            var message = result.Outcome == SignInOutcome.LockedOut
                ? "Too many failed sign-ins for this account from this address. Wait a few minutes and try again."
                : "The user name or password is not right.";
            return AuthPages.Login(context, returnUrl, userName, message, StatusCodes.Status401Unauthorized);
        }

        await CookieSessions.SignInAsync(context, result.UserId, result.UserName!, result.Role);
        return Results.Redirect(returnUrl);
    }

    /// <summary>
    /// Only a path on this gateway: never an open redirect to another site. Printable ASCII only, as the gateway writes
    /// its own URLs (escaped): a Location header carries nothing else, and the sign-in would end in a 500 instead.
    /// </summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && returnUrl.All(c => c is >= ' ' and < '\x7f')
            ? returnUrl
            : "/oauth";
}
