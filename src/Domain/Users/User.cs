using OneMcp.Domain.Common;

namespace OneMcp.Domain.Users;

/// <summary>
/// A person who signs in to approve clients and run the dashboard: a local user with a password (the hash is opaque
/// here), or a user of the team's identity provider, created at their first sign-in, who has no password and whose
/// role and groups the provider sets at each sign-in.
/// </summary>
public sealed class User : EditableAggregate
{
    public const int MaxUserNameLength = 64;
    public const int MaxExternalSubjectLength = 512;

    private User(string userName, string passwordHash, string? externalSubject, IReadOnlyList<string> groups, UserRole role, DateTimeOffset now)
        : base(Guid.NewGuid(), now)
    {
        UserName = userName;
        PasswordHash = passwordHash;
        ExternalSubject = externalSubject;
        Groups = groups;
        Role = role;
    }

    private User(
        Guid id, string userName, string passwordHash, string? externalSubject, IReadOnlyList<string> groups, UserRole role, bool disabled, int version,
        DateTimeOffset createdAt, DateTimeOffset updatedAt)
        : base(id, version, createdAt, updatedAt)
    {
        UserName = userName;
        PasswordHash = passwordHash;
        ExternalSubject = externalSubject;
        Groups = groups;
        Role = role;
        Disabled = disabled;
    }

    /// <summary>Unique, compared case-insensitively.</summary>
    public string UserName { get; }

    /// <summary>Empty for a user of the identity provider: such a user has no password here and cannot use the sign-in form.</summary>
    public string PasswordHash { get; private set; }

    public bool HasPassword => PasswordHash.Length > 0;

    /// <summary>
    /// Who the identity provider says this user is (its issuer and the user's <c>sub</c>, see
    /// <see cref="ExternalSubjectOf"/>); null for a local user.
    /// </summary>
    public string? ExternalSubject { get; }

    public bool IsExternal => ExternalSubject is not null;

    /// <summary>The groups the identity provider named at the user's last sign-in (sorted, distinct); empty for a local user.</summary>
    public IReadOnlyList<string> Groups { get; private set; }

    public UserRole Role { get; private set; }

    public bool Disabled { get; private set; }

    public bool IsAdmin => Role == UserRole.Admin;

    public static User Create(string userName, string passwordHash, UserRole role, DateTimeOffset now)
    {
        if (!IsValidUserName(userName))
        {
            throw new DomainException("user.invalid_name", $"A user name has 1 to {MaxUserNameLength} letters, digits, '-', '_', '.' or '@'.");
        }

        return new User(userName, RequiredHash(passwordHash), null, [], role, now);
    }

    /// <summary>A user of the identity provider, at their first sign-in: no password, the provider's subject, groups and role.</summary>
    public static User CreateFromProvider(string userName, string externalSubject, IEnumerable<string> groups, UserRole role, DateTimeOffset now)
    {
        if (!IsValidUserName(userName))
        {
            throw new DomainException("user.invalid_name", $"A user name has 1 to {MaxUserNameLength} letters, digits, '-', '_', '.' or '@'.");
        }

        if (string.IsNullOrWhiteSpace(externalSubject) || externalSubject.Length > MaxExternalSubjectLength)
        {
            throw new DomainException("user.invalid_subject", $"The identity provider's subject has 1 to {MaxExternalSubjectLength} characters.");
        }

        return new User(userName, string.Empty, externalSubject, NormalGroups(groups), role, now);
    }

    /// <summary>The subject a provider user is known by: the provider's issuer and the user's <c>sub</c> claim, so that two providers never share one.</summary>
    public static string ExternalSubjectOf(string issuer, string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(issuer);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return issuer.TrimEnd('/') + "#" + subject;
    }

    /// <summary>Rebuilds a stored user; only repositories call this.</summary>
    internal static User Restore(
        Guid id, string userName, string passwordHash, string? externalSubject, IReadOnlyList<string> groups, UserRole role, bool disabled, int version,
        DateTimeOffset createdAt, DateTimeOffset updatedAt) =>
        new(id, userName, passwordHash, externalSubject, groups, role, disabled, version, createdAt, updatedAt);

    public static bool IsValidUserName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxUserNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@');

    public void SetPasswordHash(string passwordHash, DateTimeOffset now)
    {
        if (IsExternal)
        {
            throw new DomainException("user.external_password", $"'{UserName}' signs in with the identity provider and has no password here.");
        }

        Touch(() => PasswordHash = RequiredHash(passwordHash), now);
    }

    /// <summary>
    /// What the identity provider says at a sign-in: the user's groups and the role they give. Changes nothing (and
    /// moves no version) when both are as stored. A disabled user stays disabled whatever the provider says.
    /// </summary>
    public void RefreshFromProvider(IEnumerable<string> groups, UserRole role, DateTimeOffset now)
    {
        if (!IsExternal)
        {
            throw new InvalidOperationException("Only a user of the identity provider is refreshed from it.");
        }

        var normal = NormalGroups(groups);
        if (role != Role || !normal.SequenceEqual(Groups, StringComparer.Ordinal))
        {
            Touch(() => (Groups, Role) = (normal, role), now);
        }
    }

    public void ChangeRole(UserRole role, DateTimeOffset now) => Touch(() => Role = role, now);

    public void Disable(DateTimeOffset now) => Touch(() => Disabled = true, now);

    public void Enable(DateTimeOffset now) => Touch(() => Disabled = false, now);

    // The hash never appears in a log line through ToString.
    public override string ToString() => $"User {{ UserName = {UserName}, Role = {Role} }}";

    private static string[] NormalGroups(IEnumerable<string> groups) =>
        [.. groups.Select(g => g.Trim()).Where(g => g.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static string RequiredHash(string hash) =>
        string.IsNullOrEmpty(hash) ? throw new DomainException("user.invalid_password", "A password hash is required.") : hash;
}
