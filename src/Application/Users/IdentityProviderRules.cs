using OneMcp.Domain.Users;

namespace OneMcp.Application.Users;

/// <summary>
/// What the operator said about the team's identity provider (<c>--oidc-*</c>): its issuer (half of every provider
/// user's subject), the values of the role claim that make an administrator, and the e-mail domains allowed to sign in
/// (none: every account of the provider). Registered only when sign-in with a provider is configured.
/// </summary>
public sealed class IdentityProviderRules
{
    public IdentityProviderRules(string issuer, string displayName, IEnumerable<string> adminValues, IEnumerable<string> allowedDomains)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        ArgumentException.ThrowIfNullOrEmpty(displayName);
        ArgumentNullException.ThrowIfNull(adminValues);
        ArgumentNullException.ThrowIfNull(allowedDomains);
        Issuer = issuer;
        DisplayName = displayName;
        AdminValues = adminValues.Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal);
        AllowedDomains = allowedDomains.Select(d => d.Trim().TrimStart('@')).Where(d => d.Length > 0).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public string Issuer { get; }

    /// <summary>How the sign-in page names the provider ("Sign in with …").</summary>
    public string DisplayName { get; }

    public IReadOnlySet<string> AdminValues { get; }

    public IReadOnlySet<string> AllowedDomains { get; }

    /// <summary>Admin when one of the role claim's values is an admin value (compared exactly, as providers send them).</summary>
    public UserRole RoleOf(IEnumerable<string> roleValues) => roleValues.Any(AdminValues.Contains) ? UserRole.Admin : UserRole.Member;

    /// <summary>
    /// Whether an account may sign in under the domain allow-list: always without one; with one, only an e-mail address
    /// in a listed domain that the provider does not say is unverified (Entra ID sends no <c>email_verified</c> at all,
    /// so its absence is not a refusal).
    /// </summary>
    public bool AllowsEmail(string? email, bool? emailVerified)
    {
        if (AllowedDomains.Count == 0)
        {
            return true;
        }

        var at = email?.LastIndexOf('@') ?? -1;
        return at > 0 && at < email!.Length - 1 && emailVerified != false && AllowedDomains.Contains(email[(at + 1)..]);
    }
}
