using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;

namespace OneMcp.Application.Authorization.Queries;

/// <summary>
/// What the consent page of one signed-in user offers for one OAuth authorization request (the client, redirect URI,
/// PKCE and resource already validated): the scopes the client may be given, or why an administrator must decide.
/// </summary>
/// <param name="ClientId">The client the authorization server validated.</param>
/// <param name="UserName">The signed-in user.</param>
/// <param name="IsAdmin">Whether that user is an administrator.</param>
/// <param name="Scopes">The scopes of the OAuth request, as sent.</param>
/// <param name="Match">How tag scopes select backends (<c>--scope-match</c>).</param>
/// <param name="ScopeValidation">Whether scopes limit what a token reaches (<c>--enable-scope-validation</c>).</param>
public sealed record PrepareConsentQuery(
    string ClientId, string UserName, bool IsAdmin, IReadOnlyList<string> Scopes, ScopeMatch Match, bool ScopeValidation) : IRequest<ConsentPlan>;

/// <summary>The consent page's choices for one request; <see cref="Refusal"/> set when there is nothing to consent to.</summary>
/// <param name="ClientName">The client's registered name (its id when it gave none).</param>
/// <param name="OfflineAccess">Whether the client registered refresh tokens (the token then carries offline_access).</param>
/// <param name="Refusal">Why the request is refused (<c>invalid_scope</c>): a tag scope names no tag of this gateway.</param>
/// <param name="RequestedTags">The tag scopes asked for, normalised, without repeats.</param>
/// <param name="WithheldScopes">Tags (as scopes) this user may not grant alone: when any, an administrator decides.</param>
/// <param name="Requested">What the consent request records as asked for.</param>
/// <param name="Offered">The scopes the page offers to tick.</param>
/// <param name="AdminDeclined">The client asked for <see cref="OAuthScopes.Admin"/> and this user may not grant it.</param>
/// <param name="WithheldTags">The tags this user may not grant: a token they approve never reaches a backend carrying one.</param>
/// <param name="ScopeValidation">Whether scopes limit what a token reaches.</param>
/// <param name="Preview">The servers a selection reaches, shown under scope validation.</param>
public sealed record ConsentPlan(
    string ClientName,
    bool OfflineAccess,
    string? Refusal,
    IReadOnlyList<string> RequestedTags,
    IReadOnlyList<string> WithheldScopes,
    IReadOnlyList<string> Requested,
    IReadOnlyList<string> Offered,
    bool AdminDeclined,
    IReadOnlySet<Tag> WithheldTags,
    bool ScopeValidation,
    ConsentPreview? Preview)
{
    public bool NeedsAdministrator => WithheldScopes.Count > 0;

    /// <summary>
    /// The scopes ticked on the posted form, normalised; each must have been offered. Returns why the form is refused,
    /// or null.
    /// </summary>
    public string? Select(IEnumerable<string?> ticked, out IReadOnlyList<string> selected)
    {
        ArgumentNullException.ThrowIfNull(ticked);
        var scopes = new List<string>();
        selected = scopes;
        foreach (var value in ticked)
        {
            var scope = OAuthScopes.TryParseTag(value, out var tag) ? OAuthScopes.ForTag(tag) : value ?? string.Empty;
            if (!Offered.Contains(scope, StringComparer.Ordinal))
            {
                return $"The scope '{value}' was not offered on this consent page.";
            }

            scopes.Add(scope);
        }

        return null;
    }

    /// <summary>Why an approval of <paramref name="selected"/> cannot be given (the page is shown again), or null.</summary>
    public string? ApprovalProblem(IReadOnlyList<string> selected) =>
        ScopeValidation && !selected.Any(s => s.StartsWith(OAuthScopes.TagPrefix, StringComparison.Ordinal)) && !selected.Contains(OAuthScopes.Admin)
            ? "Choose at least one tag: a token without tags reaches no server."
            : null;

    /// <summary>
    /// What the token gets from an administrator's approval of <paramref name="granted"/> on the user's behalf: what
    /// they granted is theirs to give, but never admin rights for this user's token. Null when, under scope
    /// validation, they granted no tag: the request is then refused.
    /// </summary>
    public IReadOnlyList<string>? AdministratorGrant(IReadOnlyList<string> granted) =>
        ScopeValidation && granted.Count == 0 ? null : [.. granted.Where(s => s != OAuthScopes.Admin)];
}

public sealed class PrepareConsentHandler(IOAuthClientRegistry clients, IBackendPool pool, ITagScopeRepository tagScopes)
    : IRequestHandler<PrepareConsentQuery, ConsentPlan>
{
    public async Task<ConsentPlan> Handle(PrepareConsentQuery request, CancellationToken cancellationToken)
    {
        var client = await clients.FindAsync(request.ClientId, cancellationToken)
            ?? throw new InvalidOperationException("The authorization server validated a client that does not exist.");
        var clientName = client.DisplayName ?? request.ClientId;

        var available = OAuthScopes.Current(pool);
        var requestedTags = new List<string>();
        var adminRequested = false;
        foreach (var scope in request.Scopes)
        {
            if (OAuthScopes.TryParseTag(scope, out var tag))
            {
                var normalised = OAuthScopes.ForTag(tag);
                if (!available.Contains(normalised, StringComparer.Ordinal))
                {
                    return new ConsentPlan(clientName, client.MayRefresh, $"The scope '{scope}' names no tag of this gateway.",
                        [], [], [], [], false, new HashSet<Tag>(), request.ScopeValidation, null);
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
        var rights = GrantorRights.For(request.UserName, request.IsAdmin, await tagScopes.ListAsync(cancellationToken));
        var backends = pool.Backends.Where(b => !b.Settings.Disabled).ToList();
        requestedTags = [.. requestedTags.Distinct(StringComparer.Ordinal)];
        var withheld = rights.WithheldFrom(requestedTags, backends.Select(b => b.Settings.Tags), request.Match, request.ScopeValidation);

        // A client that names scopes is offered exactly those it may get; one that names none, every tag the user may grant.
        // The admin scope is only ever offered to an administrator, and never ticked in advance.
        List<string> requested = adminRequested && rights.IsAdmin ? [.. requestedTags, OAuthScopes.Admin] : requestedTags;
        List<string> offered = requested.Count > 0 || adminRequested
            ? requested
            : [.. available.Where(rights.MayGrant), .. rights.IsAdmin ? [OAuthScopes.Admin] : Array.Empty<string>()];
        var preview = request.ScopeValidation
            ? new ConsentPreview(request.Match, [.. backends.Select(b => (b.Name.Value, (IReadOnlyList<string>)[.. b.Settings.Tags.Select(t => t.Value)]))], rights.Withheld)
            : null;

        return new ConsentPlan(
            clientName,
            client.MayRefresh,
            Refusal: null,
            requestedTags,
            [.. withheld.Select(OAuthScopes.ForTag)],
            requested,
            offered,
            AdminDeclined: adminRequested && !rights.IsAdmin,
            rights.Withheld,
            request.ScopeValidation,
            preview);
    }
}
