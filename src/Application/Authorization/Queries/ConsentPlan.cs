using OneMcp.Domain.Backends;

namespace OneMcp.Application.Authorization.Queries;

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
