using System.Security.Cryptography;
using System.Text;
using MediatR;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Authorization;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Users.Commands;

public sealed partial class SignInWithProviderHandler(
    IUserRepository users, IOAuthGrantDirectory grants, IdentityProviderRules rules, TimeProvider time, ILogger<SignInWithProviderHandler> logger)
    : IRequestHandler<SignInWithProviderCommand, SignInResult>
{
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
                    : await RefreshAsync(user, identity, role, cancellationToken);
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

    private async Task<SignInResult> RefreshAsync(User user, ProviderIdentity identity, UserRole role, CancellationToken cancellationToken)
    {
        // Disabled here, refused here: the provider does not get to switch a user back on.
        if (user.Disabled)
        {
            return new SignInResult(SignInOutcome.AccountDisabled, user.Id, user.UserName, user.Role);
        }

        var demoted = user.IsAdmin && role != UserRole.Admin;
        user.RefreshFromProvider(identity.Groups, role, time.GetUtcNow());
        if (user.HasUnsavedChanges)
        {
            await users.UpdateAsync(user, cancellationToken);
        }

        if (demoted)
        {
            // Out of the admin group: the grants that administer the gateway go too, the others stay.
            var revoked = 0;
            foreach (var grant in (await grants.ListClientsAsync(cancellationToken)).SelectMany(c => c.Grants)
                .Where(g => g.Subject == user.Id.ToString() && g.Scopes.Contains(OAuthScopes.Admin)))
            {
                revoked += await grants.RevokeGrantAsync(grant.Id, cancellationToken) ? 1 : 0;
            }

            LogDemoted(logger, user.UserName, revoked);
        }

        return new SignInResult(SignInOutcome.Succeeded, user.Id, user.UserName, user.Role);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "The identity provider no longer makes '{UserName}' an administrator: {Revoked} grant(s) with the admin scope revoked.")]
    private static partial void LogDemoted(ILogger logger, string userName, int revoked);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A provider sign-in raced another change of the same user; trying again.")]
    private static partial void LogRetried(ILogger logger, Exception exception);
}
