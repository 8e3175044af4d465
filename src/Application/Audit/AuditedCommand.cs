using FluentValidation;
using OneMcp.Application.Authorization.Commands;
using OneMcp.Application.Backends.Commands;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Common.Exceptions;
using OneMcp.Application.Connections.Commands;
using OneMcp.Application.Presets.Commands;
using OneMcp.Application.TagScopes.Commands;
using OneMcp.Application.Users.Commands;
using OneMcp.Domain.Common;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Audit;

/// <summary>Which commands are audited, under which kind, what they were made to, and what their outcome and actor are.</summary>
internal static class AuditedCommand
{
    /// <summary>How a command is recorded.</summary>
    /// <param name="Kind">One of <see cref="AuditKinds"/>.</param>
    /// <param name="Name">The operation: the command's type without <c>Command</c>.</param>
    /// <param name="Backend">The backend a backend or connection command concerns.</param>
    internal sealed record Description(string Kind, string Name, string? Backend)
    {
        /// <summary>What else the command was made to (<see cref="AuditEntry.Target"/>).</summary>
        public string? Target { get; init; }
    }

    public static Description? Describe(object request)
    {
        var type = request.GetType().Name;
        if (!type.EndsWith("Command", StringComparison.Ordinal))
        {
            return null;
        }

        var name = type[..^"Command".Length];
        var described = request switch
        {
            // Steps of a consent page the user has not answered yet, and the host's own start-up work: no decision.
            StartClientConsentCommand or CollectClientConsentCommand or EnsureAdminFromEnvironmentCommand => null,
            SignInCommand or SignInWithProviderCommand => new Description(AuditKinds.SignIn, name, null),
            DecideClientConsentCommand c => new Description(c.Approve ? AuditKinds.Consent : AuditKinds.Denial, name, null),
            DecideAuthorizationRequestCommand d => new Description(d.Approve ? AuditKinds.Approval : AuditKinds.Denial, name, null),
            RevokeGrantCommand => new Description(AuditKinds.Revocation, name, null),
            RegisterBackendCommand r => new Description(AuditKinds.Change, name, AuditText.Clip(r.Name)),
            UpdateBackendCommand u => new Description(AuditKinds.Change, name, AuditText.Clip(u.Name)),
            EnableBackendCommand e => new Description(AuditKinds.Change, name, AuditText.Clip(e.Name)),
            DisableBackendCommand d => new Description(AuditKinds.Change, name, AuditText.Clip(d.Name)),
            RemoveBackendCommand r => new Description(AuditKinds.Change, name, AuditText.Clip(r.Name)),
            StartBackendAuthorizationCommand s => new Description(AuditKinds.Change, name, AuditText.Clip(s.Name)),
            CompleteBackendAuthorizationCommand c => new Description(AuditKinds.Change, name, AuditText.Clip(c.Name)),
            RestartBackendOAuthCommand r => new Description(AuditKinds.Change, name, AuditText.Clip(r.Name)),
            SetMySecretsCommand s => new Description(AuditKinds.Change, name, AuditText.Clip(s.Backend)),
            DisconnectMyConnectionCommand d => new Description(AuditKinds.Change, name, AuditText.Clip(d.Backend)),
            StartMyConnectionAuthorizationCommand s => new Description(AuditKinds.Change, name, AuditText.Clip(s.Backend)),
            RevokeConnectionCommand r => new Description(AuditKinds.Revocation, name, AuditText.Clip(r.Backend)),
            ApproveConnectionCommand a => new Description(AuditKinds.Approval, name, AuditText.Clip(a.Backend)),
            Connections.CompleteUserConnectionCommand c => new Description(AuditKinds.Change, name, AuditText.Clip(c.Name)),
            _ => new Description(AuditKinds.Change, name, null),
        };
        return described is null ? null : described with { Target = AuditText.Clip(TargetOf(request)) };
    }

    /// <summary>
    /// The user, preset, tag, grant, request or client a change or decision was made to, as the command names it: the
    /// user changed (not the administrator who changed them), the user whose connection was revoked or approved. An
    /// id-only command (a grant, an authorization request) is recorded by its id: the audit path reads no database.
    /// Never a password or a secret value. Null for sign-ins, backend changes (the backend is in its own column) and a
    /// user's changes to their own connections.
    /// </summary>
    private static string? TargetOf(object request) => request switch
    {
        AddUserCommand a => a.UserName,
        UpdateUserCommand u => u.UserName,
        RemoveUserCommand r => r.UserName,
        SetPasswordCommand s => s.UserName,
        CreatePresetCommand c => c.Name,
        UpdatePresetCommand u => u.Name,
        DeletePresetCommand d => d.Name,
        SetTagScopeCommand s => s.Tag,
        RevokeGrantCommand r => r.Id,
        DecideAuthorizationRequestCommand d => d.Id.ToString("D"),
        DecideClientConsentCommand c => c.ClientId,
        AskAdministratorCommand a => a.ClientId,
        RevokeConnectionCommand r => r.UserName,
        ApproveConnectionCommand a => a.UserName,
        _ => null,
    };

    /// <summary>A sign-in answers its failure rather than throwing it; every other command throws.</summary>
    public static (string Outcome, string? Code) OutcomeOf(object? response) => response switch
    {
        SignInResult { Outcome: SignInOutcome.LockedOut } => (AuditOutcomes.Failure, "locked_out"),
        SignInResult { Outcome: SignInOutcome.AddressThrottled } => (AuditOutcomes.Failure, "address_throttled"),
        SignInResult { Outcome: SignInOutcome.AccountDisabled } => (AuditOutcomes.Failure, "account_disabled"),
        SignInResult { Outcome: SignInOutcome.DomainNotAllowed } => (AuditOutcomes.Failure, "domain_not_allowed"),
        SignInResult { Succeeded: false } => (AuditOutcomes.Failure, "invalid_credentials"),
        _ => (AuditOutcomes.Success, null),
    };

    /// <summary>
    /// A sign-in has no caller yet: it is recorded under the name tried (and, once known, the user's id). A consent
    /// is given on the authorization page, whose user is the command's subject.
    /// </summary>
    public static AuditActor ActorOf(object request, object? response, AuditActor caller) => request switch
    {
        SignInCommand when response is SignInResult { Succeeded: true } r => new AuditActor(r.UserName, r.UserId.ToString("D"), null),
        SignInCommand s => new AuditActor(AuditText.Clip(s.UserName.Trim()), null, null),
        SignInWithProviderCommand when response is SignInResult { UserName: not null } r => new AuditActor(r.UserName, r.UserId.ToString("D"), null),
        SignInWithProviderCommand p => new AuditActor(AuditText.Clip(p.Identity.Email ?? p.Identity.PreferredUserName ?? p.Identity.Subject), null, null),
        DecideClientConsentCommand c => caller with { Subject = caller.Subject ?? c.Subject, ClientId = AuditText.Clip(c.ClientId) },
        AskAdministratorCommand a => caller with { Subject = caller.Subject ?? a.Subject, ClientId = AuditText.Clip(a.ClientId) },
        _ => caller,
    };

    public static string ErrorCode(Exception exception) => exception switch
    {
        ValidationException => "invalid_request",
        DomainException d => d.Code,
        NotFoundException => "not_found",
        DuplicateNameException => "duplicate_name",
        ConcurrencyConflictException => "version_conflict",
        LastAdminException => "user.last_admin",
        ConsentRejectedException => "consent_rejected",
        BackendOAuthException o => o.Code,
        OperationCanceledException => "cancelled",
        _ => "internal_error",
    };
}
