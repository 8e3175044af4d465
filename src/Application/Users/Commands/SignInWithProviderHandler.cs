using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Audit;
using OneMcp.Application.Authorization;
using OneMcp.Application.Backends;
using OneMcp.Domain.Common;
using OneMcp.Domain.TagScopes;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

public sealed partial class SignInWithProviderHandler(
    IUserRepository users, IOAuthGrantDirectory grants, ITagScopeRepository tagScopes, IBackendPool pool, IAuditLog audit, IdentityProviderRules rules,
    TimeProvider time, ILogger<SignInWithProviderHandler> logger)
    : IRequestHandler<SignInWithProviderCommand, SignInResult>
{
    /// <summary>The audit log's name for a grant revoked because a sign-in took a group or the admin role away.</summary>
    public const string RevokedAtSignIn = "RevokeGrantAtSignIn";

    // Two first sign-ins of one person at once, or a name taken between the look and the insert: try again, a few times.
    private const int Attempts = 3;

    public async Task<SignInResult> Handle(SignInWithProviderCommand request, CancellationToken cancellationToken)
    {
        var identity = request.Identity;
        if (!rules.AllowsEmail(identity.Email, identity.EmailVerified))
        {
            return new SignInResult(SignInOutcome.DomainNotAllowed);
        }

        var subject = User.ExternalSubjectOf(rules.Issuer, identity.Subject);
        var role = rules.RoleOf(identity.RoleValues);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var user = await users.FindByExternalSubjectAsync(subject, cancellationToken);
                return user is null
                    ? await CreateAsync(identity, subject, role, cancellationToken)
                    : await RefreshAsync(user, request, role, cancellationToken);
            }
            catch (Exception e) when (attempt < Attempts && e is DuplicateNameException or ConcurrencyConflictException)
            {
                LogRetried(logger, e);
            }
        }
    }

    private async Task<SignInResult> CreateAsync(ProviderIdentity identity, string subject, UserRole role, CancellationToken cancellationToken)
    {
        var name = await FreeNameAsync(identity, subject, cancellationToken);
        var user = User.CreateFromProvider(name, subject, identity.Groups, role, time.GetUtcNow());
        await users.AddAsync(user, cancellationToken);
        LogCreated(logger, user.UserName, role);
        return new SignInResult(SignInOutcome.Succeeded, user.Id, user.UserName, user.Role);
    }

    private async Task<SignInResult> RefreshAsync(User user, SignInWithProviderCommand request, UserRole role, CancellationToken cancellationToken)
    {
        // Disabled here, refused here: the provider does not get to switch a user back on.
        if (user.Disabled)
        {
            return new SignInResult(SignInOutcome.AccountDisabled, user.Id, user.UserName, user.Role);
        }

        var (groupsBefore, wasAdmin) = (user.Groups, user.IsAdmin);
        user.RefreshFromProvider(request.Identity.Groups, role, time.GetUtcNow());
        if (user.HasUnsavedChanges)
        {
            await users.UpdateAsync(user, cancellationToken);
            await RevokeWhatTheChangeTookAwayAsync(user, groupsBefore, wasAdmin, request, cancellationToken);
        }

        return new SignInResult(SignInOutcome.Succeeded, user.Id, user.UserName, user.Role);
    }

    /// <summary>
    /// The provider changed the user's groups or role (ADR 0050): a grant they gave stands only as far as they could still
    /// give it. Out of the admin group, the grants that administer the gateway go; out of a group that let them grant a
    /// tag (or no more an administrator, who may grant every tag), the grants that hold that tag or reach a backend
    /// carrying it go, with their access and refresh tokens. Grants the change does not touch stay, and so do tags the
    /// user could not grant before either (an administrator approved those for them).
    /// </summary>
    private async Task RevokeWhatTheChangeTookAwayAsync(
        User user, IReadOnlyList<string> groupsBefore, bool wasAdmin, SignInWithProviderCommand request, CancellationToken cancellationToken)
    {
        var demoted = wasAdmin && !user.IsAdmin;
        var policies = await tagScopes.ListAsync(cancellationToken);
        var before = GrantorRights.For(user.UserName, wasAdmin, groupsBefore, policies);
        var now = GrantorRights.For(user.UserName, user.IsAdmin, user.Groups, policies);
        var lost = now.Withheld.Except(before.Withheld).ToHashSet();
        if (!demoted && lost.Count == 0)
        {
            return;
        }

        var backends = pool.Backends.Select(b => b.Settings.Tags).ToList();
        var subject = user.Id.ToString();
        var revoked = 0;
        foreach (var grant in (await grants.ListClientsAsync(cancellationToken)).SelectMany(c => c.Grants).Where(g => g.Subject == subject))
        {
            var takenAway = (demoted && grant.Scopes.Contains(OAuthScopes.Admin))
                || (lost.Count > 0 && now.WithheldFrom(grant.Scopes, backends, request.Match, request.ScopeValidation).Any(lost.Contains));
            if (takenAway && await grants.RevokeGrantAsync(grant.Id, cancellationToken))
            {
                revoked++;

                // Every revocation is in the audit log: this one has no administrator behind it, only the provider's answer.
                audit.Record(new AuditEntry(
                    time.GetUtcNow(), AuditKinds.Revocation, AuditOutcomes.Success, user.UserName, subject, AuditText.Clip(grant.ClientId),
                    null, RevokedAtSignIn, 0, null) { Target = AuditText.Clip(grant.Id) });
            }
        }

        var tags = string.Join(", ", lost.Select(OAuthScopes.ForTag).Order(StringComparer.Ordinal));
        LogRightsTaken(logger, user.UserName, demoted, tags, revoked);
    }

    /// <summary>
    /// The provider's preferred user name, else the e-mail address, else a name made from them; never one another user
    /// already has: a provider account is never merged into a local user who happens to share its name.
    /// </summary>
    private async Task<string> FreeNameAsync(ProviderIdentity identity, string subject, CancellationToken cancellationToken)
    {
        var candidates = new[] { identity.PreferredUserName, identity.Email }.Where(User.IsValidUserName).Cast<string>().ToList();
        foreach (var candidate in candidates)
        {
            if (await users.FindByNameAsync(candidate, cancellationToken) is null)
            {
                return candidate;
            }
        }

        var stem = Stem(identity.PreferredUserName) ?? Stem(identity.Email?.Split('@')[0]) ?? "user";
        for (var n = 2; n <= 99; n++)
        {
            var candidate = $"{stem}-{n}";
            if (await users.FindByNameAsync(candidate, cancellationToken) is null)
            {
                return candidate;
            }
        }

        // Ninety-eight namesakes: a name from the subject itself, which no one else has.
        return $"{stem}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject)))[..12]}";
    }

    private static string? Stem(string? name)
    {
        var kept = new string((name ?? string.Empty).Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@').ToArray());
        return kept.Length == 0 ? null : kept[..Math.Min(kept.Length, User.MaxUserNameLength - 16)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the user '{UserName}' ({Role}) at their first sign-in with the identity provider.")]
    private static partial void LogCreated(ILogger logger, string userName, UserRole role);

    [LoggerMessage(Level = LogLevel.Information, Message = "The identity provider's groups took rights from '{UserName}' (no more an administrator: {Demoted}; tags they may no longer grant: {Tags}): {Revoked} of their grant(s) revoked.")]
    private static partial void LogRightsTaken(ILogger logger, string userName, bool demoted, string tags, int revoked);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A provider sign-in raced another change of the same user; trying again.")]
    private static partial void LogRetried(ILogger logger, Exception exception);
}
