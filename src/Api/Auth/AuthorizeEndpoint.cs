using MediatR;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Authorization.Queries;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Api.Auth;

/// <summary>
/// The authorization endpoint (OpenIddict has validated the client, redirect URI, PKCE and resource before
/// this runs): a signed-in OneMcp user sees the consent page (<see cref="PrepareConsentQuery"/>), and the decision is
/// recorded once on an authorization request bound to that user, client and exact request.
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

    private static async Task<IResult> HandleAsync(HttpContext context, IMediator mediator, AuthSettings settings)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict authorization request is missing.");
        var parameters = OAuthParameters(request);
        var ct = context.RequestAborted;

        var user = await SignedInUserAsync(context);
        if (user is null)
        {
            // Back to this same request once signed in (a POST whose session ended starts again from its GET).
            var returnUrl = Path + QueryString.Create(parameters.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
            return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [AuthSettings.CookieScheme]);
        }

        var clientId = request.ClientId!;
        var plan = await mediator.Send(
            new PrepareConsentQuery(clientId, user.UserName, user.IsAdmin, [.. request.GetScopes()], settings.ScopeMatch, settings.ScopeValidation), ct);
        if (plan.Refusal is { } refusal)
        {
            return Reject(Errors.InvalidScope, refusal);
        }

        var consent = new ConsentContext(context, mediator, user, clientId, plan, parameters, OAuthRequestDigest.Of(parameters), new Uri(request.RedirectUri!), settings);
        if (plan.NeedsAdministrator)
        {
            // Tags (or backends) this user may not grant alone: an administrator decides in the dashboard while this page waits.
            return await WaitForAdministratorAsync(consent);
        }

        if (HttpMethods.IsGet(context.Request.Method))
        {
            var id = await mediator.Send(new StartClientConsentCommand(user.Subject, clientId, plan.ClientName, plan.Offered, consent.Digest), ct);
            return ConsentPage(consent, id, plan.RequestedTags.ToHashSet(StringComparer.Ordinal), null, StatusCodes.Status200OK);
        }

        var form = await context.Request.ReadFormAsync(ct);
        var action = form[ActionField].ToString();
        if (!Guid.TryParse(form[RequestIdField], out var requestId) || action is not ("approve" or "deny"))
        {
            return Invalid(context, "This consent form is incomplete. Start the sign-in from your application again.");
        }

        if (plan.Select(form[ScopesField], out var selected) is { } notOffered)
        {
            return Invalid(context, notOffered);
        }

        var approve = action == "approve";
        if (approve && plan.ApprovalProblem(selected) is { } problem)
        {
            return ConsentPage(consent, requestId, new HashSet<string>(StringComparer.Ordinal), problem, StatusCodes.Status400BadRequest);
        }

        IReadOnlyList<string> granted;
        try
        {
            granted = await mediator.Send(new DecideClientConsentCommand(requestId, user.Subject, clientId, consent.Digest, approve, selected), ct);
        }
        catch (ConsentRejectedException e)
        {
            return Invalid(context, e.Message);
        }

        return approve
            ? SignIn(user, granted, plan.WithheldTags, plan.OfflineAccess, settings)
            : Reject(Errors.AccessDenied, "The user denied the request.");
    }

    /// <summary>One OAuth authorization request of one signed-in user, as the consent and waiting pages need it.</summary>
    private sealed record ConsentContext(
        HttpContext Http, IMediator Mediator, UserAccount User, string ClientId, ConsentPlan Plan,
        List<KeyValuePair<string, string>> Parameters, string Digest, Uri RedirectUri, AuthSettings Settings);

    private static IResult ConsentPage(ConsentContext c, Guid requestId, IReadOnlySet<string> ticked, string? error, int status) => AuthPages.Html(
        c.Http,
        AuthPages.Consent(new AuthPages.ConsentModel(
            c.Plan.ClientName, c.User.UserName, requestId, c.Parameters, c.Plan.Offered, ticked, c.Plan.OfflineAccess, error, c.RedirectUri, c.Plan.AdminDeclined, c.Plan.Preview)),
        AuthPages.ConsentCsp(c.RedirectUri),
        status);

    private static async Task<IResult> WaitForAdministratorAsync(ConsentContext c)
    {
        var (context, mediator, user, plan) = (c.Http, c.Mediator, c.User, c.Plan);
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
                await mediator.Send(new DecideClientConsentCommand(requestId, user.Subject, c.ClientId, c.Digest, Approve: false, []), ct);
            }
            catch (ConsentRejectedException e)
            {
                return Invalid(context, e.Message);
            }

            return Reject(Errors.AccessDenied, "The user cancelled the request.");
        }

        if (!Guid.TryParse(context.Request.Query[RequestIdField], out requestId))
        {
            requestId = await mediator.Send(
                new StartClientConsentCommand(user.Subject, c.ClientId, plan.ClientName, plan.RequestedTags, c.Digest, RequiresAdministrator: true), ct);
        }
        else
        {
            WaitingConsent answer;
            try
            {
                answer = await mediator.Send(new CollectClientConsentCommand(requestId, user.Subject, c.ClientId, c.Digest), ct);
            }
            catch (ConsentRejectedException e)
            {
                return Invalid(context, e.Message);
            }

            switch (answer.Outcome)
            {
                case WaitingConsentOutcome.Approved when c.Settings.ScopeValidation && answer.GrantedScopes.Count == 0:
                    return Reject(Errors.AccessDenied, "The administrator granted no tag.");
                case WaitingConsentOutcome.Approved:
                    // An administrator decided: what they granted is theirs to give, and never admin rights for this user's token.
                    return SignIn(user, [.. answer.GrantedScopes.Where(s => s != OAuthScopes.Admin)], withheld: new HashSet<Domain.Backends.Tag>(), plan.OfflineAccess, c.Settings);
                case WaitingConsentOutcome.Denied:
                    return Reject(Errors.AccessDenied, "An administrator denied the request.");
            }
        }

        var refresh = Path + QueryString.Create(c.Parameters.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)).Append(new(RequestIdField, requestId.ToString("D"))));
        return AuthPages.Html(context, AuthPages.Waiting(plan.ClientName, user.UserName, requestId, c.Parameters, plan.WithheldScopes, refresh), AuthPages.ConsentCsp(c.RedirectUri));
    }

    private static IResult SignIn(UserAccount user, IReadOnlyList<string> granted, IReadOnlySet<Domain.Backends.Tag> withheld, bool offlineAccess, AuthSettings settings) =>
        Results.SignIn(OAuthPrincipals.ForConsent(user, granted, withheld, offlineAccess, settings.Resource), properties: null, OAuthPrincipals.Scheme);

    /// <summary>The enabled user of the sign-in cookie, or null (no cookie, or its user is gone or disabled).</summary>
    internal static async Task<UserAccount?> SignedInUserAsync(HttpContext context)
    {
        var cookie = await context.AuthenticateAsync(AuthSettings.CookieScheme);
        if (!cookie.Succeeded || !Guid.TryParse(cookie.Principal.GetClaim(Claims.Subject), out var id))
        {
            return null;
        }

        var user = await context.RequestServices.GetRequiredService<IMediator>().Send(new GetUserAccountQuery(id), context.RequestAborted);
        if (user is { Disabled: false })
        {
            // The consent this user gives is audited under their name (the page does not sign in through context.User).
            context.Items[Endpoints.HttpCurrentUser.ItemKey] = new Application.Audit.AuditActor(user.UserName, user.Subject, null);
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
}
