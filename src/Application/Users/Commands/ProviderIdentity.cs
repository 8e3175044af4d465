namespace OneMcp.Application.Users.Commands;

/// <summary>
/// Who the identity provider says signed in, from its validated ID token and user info: the <c>sub</c>, the names it
/// offers for this gateway's user name, the e-mail address (for the domain allow-list), the groups to show and to match
/// tag-scope policies against, and the values of the role claim (<c>--oidc-role-claim</c>, by default the groups too).
/// </summary>
public sealed record ProviderIdentity(
    string Subject,
    string? PreferredUserName,
    string? Email,
    bool? EmailVerified,
    IReadOnlyList<string> Groups,
    IReadOnlyList<string> RoleValues);
