using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Backends;
using OneMcp.Application.Users;
using OneMcp.Domain.Users;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Api.Auth;

/// <summary>
/// The authorization endpoint (OpenIddict has validated the client, redirect URI, PKCE and resource before
/// this runs): a signed-in OneMcp user sees the consent page, and the decision is recorded once on an
/// <see cref="Domain.AuthorizationRequests.AuthorizationRequest"/> bound to that user, client and exact request.
/// </summary>
internal static class AuthorizeEndpoint
{
    public const string Path = "/authorize";

    // Fields the consent form adds to the OAuth request it posts back.
    private const string RequestIdField = "request_id";
    private const string ActionField = "action";
    private const string ScopesField = "scopes";
    private static readonly HashSet<string> FormFields = [RequestIdField, ActionField, ScopesField];

    public static void MapAuthorize(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapMethods(Path, [HttpMethods.Get, HttpMethods.Post], HandleAsync).DisableAntiforgery();

    private static async Task<IResult> HandleAsync(
        HttpContext context, IMediator mediator, IOpenIddictApplicationManager applications, IUserRepository users, IBackendPool pool,
        Domain.TagScopes.ITagScopeRepository tagScopes, AuthSettings settings)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict authorization request is missing.");
        var parameters = OAuthParameters(request);

        var user = await SignedInUserAsync(context, users);
        if (user is null)
        {
            // Back to this same request once signed in (a POST whose session ended starts again from its GET).
            var returnUrl = Path + QueryString.Create(parameters.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
            return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [AuthSettings.CookieScheme]);
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, context.RequestAborted)
            ?? throw new InvalidOperationException("OpenIddict validated a client that does not exist.");
        var clientName = await applications.GetDisplayNameAsync(application, context.RequestAborted) ?? request.ClientId!;
        var offlineAccess = await applications.HasPermissionAsync(application, Permissions.GrantTypes.RefreshToken, context.RequestAborted);

        var available = OAuthScopes.Current(pool);
        var requestedTags = new List<string>();
        var adminRequested = false;
        foreach (var scope in request.GetScopes())
        {
            if (OAuthScopes.TryParseTag(scope, out var tag))
            {
                var normalised = OAuthScopes.ForTag(tag);
                if (!available.Contains(normalised, StringComparer.Ordinal))
                {
                    return Reject(Errors.InvalidScope, $"The scope '{scope}' names no tag of this gateway.");
                }

                requestedTags.Add(normalised);
            }
            else if (scope == OAuthScopes.Admin)
            {
                adminRequested = true;
            }

            // offline_access follows the client's registration; other scopes (openid, profile...) are not granted.
        }

        // Tag scopes may be kept to admins or named users, and a backend is within a user's gift only when they may
        // grant every tag it carries; only administrators grant the admin scope.
        var rights = GrantorRights.For(user.UserName, user.IsAdmin, await tagScopes.ListAsync(context.RequestAborted));
        var backends = pool.Backends.Where(b => !b.Settings.Disabled).ToList();
        var digest = Digest(parameters);
        var subject = user.Id.ToString("D");
        var redirectUri = new Uri(request.RedirectUri!);
        requestedTags = [.. requestedTags.Distinct(StringComparer.Ordinal)];
        if (rights.WithheldFrom(requestedTags, backends.Select(b => b.Settings.Tags), settings.ScopeMatch, settings.ScopeValidation) is { Count: > 0 } withheld)
        {
            // Tags (or backends) this user may not grant alone: an administrator decides in the dashboard while this page waits.
            return await WaitForAdministratorAsync(
                context, mediator, user, subject, request.ClientId!, clientName, requestedTags, [.. withheld.Select(OAuthScopes.ForTag)], parameters, digest, offlineAccess, settings, redirectUri);
        }

        // A client that names scopes is offered exactly those it may get; one that names none, every tag the user may grant.
        // The admin scope is only ever offered to an administrator, and never ticked in advance.
        var requested = adminRequested && rights.IsAdmin ? [.. requestedTags, OAuthScopes.Admin] : requestedTags;
        List<string> offered = requested.Count > 0 || adminRequested
            ? requested
            : [.. available.Where(rights.MayGrant), .. rights.IsAdmin ? [OAuthScopes.Admin] : Array.Empty<string>()];

        var preview = settings.ScopeValidation
            ? new AuthPages.ConsentPreview(settings.ScopeMatch, [.. backends.Select(b => (b.Name.Value, (IReadOnlyList<string>)[.. b.Settings.Tags.Select(t => t.Value)]))], rights.Withheld)
            : null;
        var adminDeclined = adminRequested && !rights.IsAdmin;

        IResult Page(Guid requestId, IReadOnlySet<string> ticked, string? error, int status) => AuthPages.Html(
            context,
            AuthPages.Consent(new AuthPages.ConsentModel(clientName, user.UserName, requestId, parameters, offered, ticked, offlineAccess, error, redirectUri, adminDeclined, preview)),
            AuthPages.ConsentCsp(redirectUri),
            status);

        if (HttpMethods.IsGet(context.Request.Method))
        {
            var id = await mediator.Send(new StartClientConsentCommand(subject, request.ClientId!, clientName, offered, digest), context.RequestAborted);
            return Page(id, requestedTags.ToHashSet(StringComparer.Ordinal), null, StatusCodes.Status200OK);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var action = form[ActionField].ToString();
        if (!Guid.TryParse(form[RequestIdField], out var requestId) || action is not ("approve" or "deny"))
        {
            return Invalid(context, "This consent form is incomplete. Start the sign-in from your application again.");
        }

        var selected = new List<string>();
        foreach (var value in form[ScopesField])
        {
            var scope = OAuthScopes.TryParseTag(value, out var tag) ? OAuthScopes.ForTag(tag) : value ?? string.Empty;
            if (!offered.Contains(scope, StringComparer.Ordinal))
            {
                return Invalid(context, $"The scope '{value}' was not offered on this consent page.");
            }

            selected.Add(scope);
        }

        var approve = action == "approve";
        if (approve && settings.ScopeValidation && !selected.Any(s => s.StartsWith(OAuthScopes.TagPrefix, StringComparison.Ordinal)) && !selected.Contains(OAuthScopes.Admin))
        {
            return Page(requestId, new HashSet<string>(StringComparer.Ordinal), "Choose at least one tag: a token without tags reaches no server.", StatusCodes.Status400BadRequest);
        }

        IReadOnlyList<string> granted;
        try
        {
            granted = await mediator.Send(new DecideClientConsentCommand(requestId, subject, request.ClientId!, digest, approve, selected), context.RequestAborted);
        }
        catch (ConsentRejectedException e)
        {
            return Invalid(context, e.Message);
        }

        if (!approve)
        {
            return Reject(Errors.AccessDenied, "The user denied the request.");
        }

        return SignIn(user, subject, granted, rights.Withheld, offlineAccess, settings);
    }

    private static async Task<IResult> WaitForAdministratorAsync(
        HttpContext context, IMediator mediator, User user, string subject, string clientId, string clientName, List<string> requestedTags,
        List<string> withheld, List<KeyValuePair<string, string>> parameters, string digest, bool offlineAccess, AuthSettings settings, Uri redirectUri)
    {
        var ct = context.RequestAborted;
        Guid requestId;
        if (HttpMethods.IsPost(context.Request.Method))
        {
            // The waiting page's only button cancels (the user denies their own request).
            var form = await context.Request.ReadFormAsync(ct);
            if (!Guid.TryParse(form[RequestIdField], out requestId) || form[ActionField] != "deny")
            {
                return Invalid(context, "An administrator decides this request; wait for their answer on the waiting page.");
            }

            try
            {
                await mediator.Send(new DecideClientConsentCommand(requestId, subject, clientId, digest, Approve: false, []), ct);
            }
            catch (ConsentRejectedException e)
            {
                return Invalid(context, e.Message);
            }

            return Reject(Errors.AccessDenied, "The user cancelled the request.");
        }

        if (!Guid.TryParse(context.Request.Query[RequestIdField], out requestId))
        {
            requestId = await mediator.Send(new StartClientConsentCommand(subject, clientId, clientName, requestedTags, digest, RequiresAdministrator: true), ct);
        }
        else
        {
            WaitingConsent answer;
            try
            {
                answer = await mediator.Send(new CollectClientConsentCommand(requestId, subject, clientId, digest), ct);
            }
            catch (ConsentRejectedException e)
            {
                return Invalid(context, e.Message);
            }

            switch (answer.Outcome)
            {
                case WaitingConsentOutcome.Approved when settings.ScopeValidation && answer.GrantedScopes.Count == 0:
                    return Reject(Errors.AccessDenied, "The administrator granted no tag.");
                case WaitingConsentOutcome.Approved:
                    // An administrator decided: what they granted is theirs to give, and never admin rights for this user's token.
                    return SignIn(user, subject, [.. answer.GrantedScopes.Where(s => s != OAuthScopes.Admin)], withheld: new HashSet<Domain.Backends.Tag>(), offlineAccess, settings);
                case WaitingConsentOutcome.Denied:
                    return Reject(Errors.AccessDenied, "An administrator denied the request.");
            }
        }

        var refresh = Path + QueryString.Create(parameters.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)).Append(new(RequestIdField, requestId.ToString("D"))));
        return AuthPages.Html(context, AuthPages.Waiting(clientName, user.UserName, requestId, parameters, withheld, refresh), AuthPages.ConsentCsp(redirectUri));
    }

    private static IResult SignIn(User user, string subject, IReadOnlyList<string> granted, IReadOnlySet<Domain.Backends.Tag> withheld, bool offlineAccess, AuthSettings settings)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject)
            .SetClaim(Claims.Name, user.UserName)
            .SetClaim(Claims.Role, UserRoles.ToText(user.Role))
            // Every refresh of this family stays within what was granted here, and within what its grantor could grant.
            .SetClaim(GrantClaims.GrantedScopes, string.Join(' ', granted));
        if (withheld.Count > 0)
        {
            identity.SetClaim(GrantClaims.WithheldTags, string.Join(' ', withheld.Select(t => t.Value).Order(StringComparer.Ordinal)));
        }

        identity.SetScopes(offlineAccess ? [.. granted, Scopes.OfflineAccess] : granted);
        identity.SetResources(settings.Resource);
        identity.SetDestinations(static _ => [Destinations.AccessToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    internal static async Task<User?> SignedInUserAsync(HttpContext context, IUserRepository users)
    {
        var cookie = await context.AuthenticateAsync(AuthSettings.CookieScheme);
        if (!cookie.Succeeded || !Guid.TryParse(cookie.Principal.GetClaim(Claims.Subject), out var id))
        {
            return null;
        }

        var user = await users.FindByIdAsync(id, context.RequestAborted);
        if (user is { Disabled: false })
        {
            // The consent this user gives is audited under their name (the page does not sign in through context.User).
            context.Items[Endpoints.HttpCurrentUser.ItemKey] = new Application.Audit.AuditActor(user.UserName, user.Id.ToString("D"), null);
            return user;
        }

        return null;
    }

    /// <summary>
    /// An OAuth error answered by OpenIddict: on the authorization endpoint a redirect back to the client
    /// (with <c>state</c> and <c>iss</c>), on the token endpoint the JSON error.
    /// </summary>
    internal static IResult Reject(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static IResult Invalid(HttpContext context, string message) =>
        AuthPages.Html(context, AuthPages.Problem("This request cannot be completed", message), AuthPages.LoginCsp, StatusCodes.Status400BadRequest);

    // The OAuth parameters of the request, in a stable order, without the consent form's own fields.
    private static List<KeyValuePair<string, string>> OAuthParameters(OpenIddictRequest request) =>
        [.. request.GetParameters()
            .Where(p => !FormFields.Contains(p.Key))
            .SelectMany(p => ((Microsoft.Extensions.Primitives.StringValues)p.Value is { Count: > 0 } values ? values.ToArray() : [string.Empty]).Select(v => new KeyValuePair<string, string>(p.Key, v ?? string.Empty)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)];

    private static string Digest(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var canonical = string.Join('\n', parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
