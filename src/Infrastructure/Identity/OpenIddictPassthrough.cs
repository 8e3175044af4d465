using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// The host's side of OpenIddict's passthrough endpoints (authorization and token): the OAuth request OpenIddict has
/// validated, and the answers handed back to it, a principal to sign in or an OAuth error.
/// </summary>
internal static class OpenIddictPassthrough
{
    /// <param name="context">The request.</param>
    /// <param name="endpoint">"authorization" or "token", for the message of a request OpenIddict did not see.</param>
    public static OpenIddictRequest RequestOf(HttpContext context, string endpoint) =>
        context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException($"The OpenIddict {endpoint} request is missing.");

    /// <summary>
    /// Where OpenIddict sends the answer to the authorization request it validated: the request's <c>redirect_uri</c>, or
    /// the client's one registered URI when the request names none (RFC 6749 §3.1.2.3). The consent page shows this host
    /// and allows this origin, so it must be the one the browser actually goes to.
    /// </summary>
    public static Uri RedirectUriOf(HttpContext context) =>
        context.Features.Get<OpenIddictServerAspNetCoreFeature>()?.Transaction?
            .GetProperty<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(typeof(OpenIddictServerEvents.ValidateAuthorizationRequestContext).FullName!)?
            .RedirectUri is { } validated
            ? new Uri(validated)
            : throw new InvalidOperationException("The OpenIddict authorization request has no validated redirect URI.");

    /// <summary>The OAuth parameters of the request, in a stable order, without <paramref name="excluded"/> (a form's own fields).</summary>
    public static List<KeyValuePair<string, string>> Parameters(OpenIddictRequest request, IReadOnlySet<string> excluded) =>
        [.. request.GetParameters()
            .Where(p => !excluded.Contains(p.Key))
            .SelectMany(p => ((StringValues)p.Value is { Count: > 0 } values ? values.ToArray() : [string.Empty]).Select(v => new KeyValuePair<string, string>(p.Key, v ?? string.Empty)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)];

    /// <summary>Hands OpenIddict the identity to issue a code (authorization endpoint) or tokens (token endpoint) for.</summary>
    public static IResult SignIn(ClaimsPrincipal principal) => Results.SignIn(principal, properties: null, OAuthPrincipals.Scheme);

    /// <summary>
    /// An OAuth error answered by OpenIddict: on the authorization endpoint a redirect back to the client
    /// (with <c>state</c> and <c>iss</c>), on the token endpoint the JSON error.
    /// </summary>
    public static IResult Reject(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
