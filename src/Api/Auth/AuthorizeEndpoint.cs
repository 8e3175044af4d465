using MediatR;
using Microsoft.AspNetCore.Authentication;
using OneMcp.Application.Audit;
using OneMcp.Application.Authorization;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Authorization.Queries;
using OneMcp.Infrastructure.Identity;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OneMcp.Api.Auth;

/// <summary>
/// The authorization endpoint (OpenIddict has validated the client, redirect URI, PKCE and resource before
/// this runs): a signed-in OneMcp user sees the consent page (<see cref="PrepareConsentQuery"/>), and the decision is
/// recorded once on an authorization request bound to that user, client and exact request. With <c>prompt=none</c> no
/// page is shown: the client gets <c>login_required</c>, <c>consent_required</c> or <c>interaction_required</c> (at a
/// loopback redirect URI; for any other the browser stays on the gateway's page, see <see cref="RejectUndecided"/>).
/// </summary>
internal static class AuthorizeEndpoint
{
    // Fields the consent form adds to the OAuth request it posts back.
    private const string RequestIdField = "request_id";
    private const string ActionField = "action";
    private const string ScopesField = "scopes";
    private static readonly HashSet<string> FormFields = [RequestIdField, ActionField, ScopesField];

    public static void MapAuthorize(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapMethods(GatewayAuthPaths.Authorize, [HttpMethods.Get, HttpMethods.Post], HandleAsync).DisableAntiforgery();

    private static async Task<IResult> HandleAsync(HttpContext context, IMediator mediator, AuthSettings settings)
    {
        var request = OpenIddictPassthrough.RequestOf(context, "authorization");
        var parameters = OpenIddictPassthrough.Parameters(request, FormFields);
        var ct = context.RequestAborted;
        if (await mediator.Send(new CheckRequestedScopesQuery([.. request.GetScopes()]), ct) is { } unknownTag)
        {
            // Nobody could consent to it: back to the client before sign-in. After it, the sign-in page's form-action
            // rule would stop the browser's redirect chain to the client's site.
            return RejectUndecided(context, Errors.InvalidScope, unknownTag);
        }

        // prompt=none (OpenID Connect Core §3.1.2.1): no page at all. What cannot be completed without one goes back to the
        // client as an error; under the rules below nothing completes without one (a consent is always asked for).
        var silent = request.HasPromptValue(PromptValues.None);
        if (await CookieSessions.SignedInUserAsync(context) is not { } user)
        {
            if (silent)
            {
                return RejectUndecided(context, Errors.LoginRequired, "Nobody is signed in to the gateway in this browser.");
            }

            // Back to this same request once signed in (a POST whose session ended starts again from its GET).
            return Results.Challenge(new AuthenticationProperties { RedirectUri = SameRequest(parameters) }, [AuthSettings.CookieScheme]);
        }

        // The consent this user gives is audited under their name (the page does not sign in through context.User).
        context.Items[HttpCurrentUser.ItemKey] = new AuditActor(user.UserName, user.Subject, null);
        var clientId = request.ClientId!;
        var plan = await mediator.Send(
            new PrepareConsentQuery(clientId, user.UserName, user.IsAdmin, [.. request.GetScopes()], settings.ScopeMatch, settings.ScopeValidation), ct);
        if (plan.Refusal is { } refusal)
        {
            return RejectUndecided(context, Errors.InvalidScope, refusal);
        }

        if (silent)
        {
            return plan.NeedsAdministrator
                ? RejectUndecided(context, Errors.InteractionRequired, "An administrator must approve this request; start it without prompt=none to ask for their approval.")
                : RejectUndecided(context, Errors.ConsentRequired, "The user must approve this request on the consent page.");
        }

        var c = new ConsentContext(context, mediator, user, clientId, plan, parameters, OAuthRequestDigest.Of(parameters), OpenIddictPassthrough.RedirectUriOf(context), settings);
        if (plan.NeedsAdministrator)
        {
            // Tags (or backends) this user may not grant alone: once the user asks, an administrator decides in the
            // dashboard while the waiting page waits.
            return await WaitForAdministratorAsync(c);
        }

        if (HttpMethods.IsGet(context.Request.Method))
        {
            var id = await mediator.Send(new StartClientConsentCommand(user.Subject, clientId, plan.ClientName, plan.Offered, c.Digest, RedirectUri: c.RedirectUri.AbsoluteUri), ct);
            return ConsentPage(c, id, plan.RequestedTags.ToHashSet(StringComparer.Ordinal), null, StatusCodes.Status200OK);
        }

        var form = await PostedForm.ReadAsync(context.Request, ct);
        var action = form?[ActionField].ToString();
        if (form is null || !Guid.TryParse(form[RequestIdField], out var requestId) || action is not ("approve" or "deny"))
        {
            return AuthPages.Problem(context, "This consent form is incomplete. Start the sign-in from your application again.");
        }

        if (plan.Select(form[ScopesField], out var selected) is { } notOffered)
        {
            return AuthPages.Problem(context, notOffered);
        }

        var approve = action == "approve";
        if (approve && plan.ApprovalProblem(selected) is { } problem)
        {
            return ConsentPage(c, requestId, new HashSet<string>(StringComparer.Ordinal), problem, StatusCodes.Status400BadRequest);
        }

        return await DecideAsync(c, new DecideClientConsentCommand(requestId, user.Subject, clientId, c.Digest, approve, selected), granted => approve
            ? OpenIddictPassthrough.SignIn(OAuthPrincipals.ForConsent(user, granted, plan.WithheldTags, plan.OfflineAccess, settings.Resource))
            : OpenIddictPassthrough.Reject(Errors.AccessDenied, "The user denied the request."));
    }

    /// <summary>
    /// An error found before the user decided anything. It goes back to the client when its redirect URI is on this
    /// computer (loopback). Anyone may register a client with any https redirect URI, so sending the error there at once
    /// would turn a link to this gateway into a link to any site, with no page between (RFC 9700 §4.11.2, ADR 0055):
    /// the browser stays on the gateway's page, which says why. After the user's decision on the consent page, which
    /// names the host it returns to, the answer always goes back to the client.
    /// </summary>
    private static IResult RejectUndecided(HttpContext context, string error, string description)
    {
        var redirectUri = OpenIddictPassthrough.RedirectUriOf(context);
        return redirectUri.IsLoopback
            ? OpenIddictPassthrough.Reject(error, description)
            : AuthPages.Problem(context, $"{description} You are not sent on to {redirectUri.IdnHost}: go back to your application and start again.");
    }

    /// <summary>One OAuth authorization request of one signed-in user, as the consent and waiting pages need it.</summary>
    private sealed record ConsentContext(
        HttpContext Http, IMediator Mediator, UserAccount User, string ClientId, ConsentPlan Plan,
        List<KeyValuePair<string, string>> Parameters, string Digest, Uri RedirectUri, AuthSettings Settings);

    private static IResult ConsentPage(ConsentContext c, Guid requestId, IReadOnlySet<string> ticked, string? error, int status) => AuthPages.Consent(
        c.Http,
        new AuthPages.ConsentModel(
            c.Plan.ClientName, c.User.UserName, requestId, c.Parameters, c.Plan.Offered, ticked, c.Plan.OfflineAccess, error, c.RedirectUri, c.Plan.AdminDeclined, c.Plan.Preview),
        status);

    private static async Task<IResult> WaitForAdministratorAsync(ConsentContext c)
    {
        var (context, mediator, user, plan) = (c.Http, c.Mediator, c.User, c.Plan);
        var ct = context.RequestAborted;
        Guid requestId;
        if (HttpMethods.IsPost(context.Request.Method))
        {
            var form = await PostedForm.ReadAsync(context.Request, ct);
            if (form is null || !Guid.TryParse(form[RequestIdField], out requestId))
            {
                return AuthPages.Problem(context, "This form is incomplete. Start the sign-in from your application again.");
            }

            return form[ActionField].ToString() switch
            {
                // "Ask an administrator": only this click files the request for an administrator (ADR 0055, amendment).
                "ask" => await DecideAsync(c, new AskAdministratorCommand(requestId, user.Subject, c.ClientId, c.Digest), _ => WaitingPage(c, requestId)),
                // Cancel, on the ask page or the waiting page: the user denies their own request.
                "deny" => await DecideAsync(c, new DecideClientConsentCommand(requestId, user.Subject, c.ClientId, c.Digest, Approve: false, []),
                    _ => OpenIddictPassthrough.Reject(Errors.AccessDenied, "The user cancelled the request.")),
                _ => AuthPages.Problem(context, "Only an administrator can approve this request: ask one on this page, or cancel."),
            };
        }

        if (!Guid.TryParse(context.Request.Query[RequestIdField], out requestId))
        {
            // Anyone's link opens this: the user's own undecided request, which no administrator sees until they ask.
            requestId = await mediator.Send(new StartClientConsentCommand(user.Subject, c.ClientId, plan.ClientName, plan.RequestedTags, c.Digest, RedirectUri: c.RedirectUri.AbsoluteUri), ct);
            return AuthPages.AskAdministrator(context, AdministratorModel(c, requestId));
        }

        return await DecideAsync(c, new CollectClientConsentCommand(requestId, user.Subject, c.ClientId, c.Digest), answer => answer.Outcome switch
        {
            WaitingConsentOutcome.Approved => plan.AdministratorGrant(answer.GrantedScopes) is { } granted
                ? OpenIddictPassthrough.SignIn(OAuthPrincipals.ForConsent(
                    user, granted, withheld: new HashSet<Domain.Backends.Tag>(), plan.OfflineAccess, c.Settings.Resource, cleared: plan.WithheldTags))
                : OpenIddictPassthrough.Reject(Errors.AccessDenied, "The administrator granted no tag."),
            WaitingConsentOutcome.Denied => OpenIddictPassthrough.Reject(Errors.AccessDenied, "An administrator denied the request."),
            _ => WaitingPage(c, requestId),
        });
    }

    private static AuthPages.AdministratorModel AdministratorModel(ConsentContext c, Guid requestId) =>
        new(c.Plan.ClientName, c.User.UserName, requestId, c.Parameters, c.Plan.WithheldScopes, c.RedirectUri);

    private static IResult WaitingPage(ConsentContext c, Guid requestId) =>
        AuthPages.Waiting(c.Http, AdministratorModel(c, requestId), SameRequest(c.Parameters.Append(new(RequestIdField, requestId.ToString("D")))));

    // Sends a consent decision or collection; a form that does not match an open request gets the problem page.
    private static async Task<IResult> DecideAsync<T>(ConsentContext c, IRequest<T> command, Func<T, IResult> answer)
    {
        try
        {
            return answer(await c.Mediator.Send(command, c.Http.RequestAborted));
        }
        catch (ConsentRejectedException e)
        {
            return AuthPages.Problem(c.Http, e.Message);
        }
    }

    private static string SameRequest(IEnumerable<KeyValuePair<string, string>> parameters) =>
        GatewayAuthPaths.Authorize + QueryString.Create(parameters.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
}
