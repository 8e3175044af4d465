using OneMcp.Domain.Common;

namespace OneMcp.Domain.AuthorizationRequests;

/// <summary>
/// A decision someone has to make: approve or deny, once, within ten minutes. It starts
/// <see cref="AuthorizationRequestStatus.Pending"/> and moves once: approved (only with scopes among those
/// requested), denied, or expired when its time ran out. Expiry is a transition, not an error: a decision that
/// comes too late leaves the request expired and answers <see cref="DecisionOutcome.Expired"/>.
/// The two kinds are their own types: <see cref="ClientConsentRequest"/> (an MCP client asks a user for tag
/// scopes) and <see cref="BackendConnectionRequest"/> (a backend's tokens wait for an operator).
/// </summary>
public abstract class AuthorizationRequest : Aggregate
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private protected AuthorizationRequest(string subject, IEnumerable<string> requestedScopes, DateTimeOffset now)
        : base(Guid.NewGuid(), now)
    {
        Status = AuthorizationRequestStatus.Pending;
        Subject = subject;
        RequestedScopes = [.. requestedScopes.Distinct(StringComparer.Ordinal)];
        GrantedScopes = [];
        ExpiresAt = now + Lifetime;
    }

    private protected AuthorizationRequest(
        Guid id, AuthorizationRequestStatus status, string subject, IReadOnlyList<string> requestedScopes, IReadOnlyList<string> grantedScopes,
        int version, DateTimeOffset createdAt, DateTimeOffset expiresAt, DateTimeOffset? decidedAt, string? decidedBy)
        : base(id, version, createdAt)
    {
        Status = status;
        Subject = subject;
        RequestedScopes = requestedScopes;
        GrantedScopes = grantedScopes;
        ExpiresAt = expiresAt;
        DecidedAt = decidedAt;
        DecidedBy = decidedBy;
    }

    public abstract AuthorizationRequestKind Kind { get; }

    public AuthorizationRequestStatus Status { get; private set; }

    /// <summary>The user on whose behalf the request was made.</summary>
    public string Subject { get; }

    /// <summary>The scopes asked for: an approval grants some or all of them, never another.</summary>
    public IReadOnlyList<string> RequestedScopes { get; }

    public IReadOnlyList<string> GrantedScopes { get; private set; }

    /// <summary>Only an administrator may approve it.</summary>
    public abstract bool RequiresAdministrator { get; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? DecidedAt { get; private set; }

    public string? DecidedBy { get; private set; }

    /// <summary>
    /// A client's request for <paramref name="requestedScopes"/>: the scopes its consent page offers, among which
    /// the user (or, with <paramref name="requiresAdministrator"/>, an administrator) chooses.
    /// <paramref name="parametersDigest"/> pins the OAuth request the page was shown for; <paramref name="redirectUri"/> is
    /// where the browser returns with the answer.
    /// </summary>
    public static ClientConsentRequest ForClient(
        string subject, string clientId, string clientName, IEnumerable<string> requestedScopes, string parametersDigest, DateTimeOffset now,
        bool requiresAdministrator = false, string? redirectUri = null) =>
        ClientConsentRequest.Open(subject, clientId, clientName, requestedScopes, parametersDigest, now, requiresAdministrator, redirectUri);

    /// <summary>A backend's tokens, obtained through its OAuth flow by <paramref name="subject"/>, waiting for an operator.</summary>
    public static BackendConnectionRequest ForBackend(
        string subject, string backendName, IEnumerable<string> requestedScopes, string protectedTokens, DateTimeOffset now) =>
        BackendConnectionRequest.Open(subject, backendName, requestedScopes, protectedTokens, now);

    public bool IsExpiredAt(DateTimeOffset now) => Status == AuthorizationRequestStatus.Expired || (Status == AuthorizationRequestStatus.Pending && now >= ExpiresAt);

    /// <summary>
    /// Approves the request with <paramref name="grantedScopes"/>, which must be among those requested.
    /// </summary>
    /// <returns><see cref="DecisionOutcome.Expired"/> when it came too late (the request is then expired, not approved).</returns>
    /// <exception cref="DomainException">Already decided, an administrator is required, or a scope was not requested.</exception>
    public DecisionOutcome Approve(string decidedBy, IEnumerable<string> grantedScopes, DateTimeOffset now, bool byAdministrator = false)
    {
        if (ExpireIfDue(now) || Status == AuthorizationRequestStatus.Expired)
        {
            return DecisionOutcome.Expired;
        }

        EnsurePending();
        if (RequiresAdministrator && !byAdministrator)
        {
            throw AuthorizationRequestErrors.AdministratorRequired();
        }

        var granted = grantedScopes.Distinct(StringComparer.Ordinal).ToArray();
        // A null in the list (JSON's [null] binds to one) was never requested either; Except would hide it.
        foreach (var scope in granted)
        {
            if (scope is null || !RequestedScopes.Contains(scope, StringComparer.Ordinal))
            {
                throw AuthorizationRequestErrors.ScopeNotRequested(scope ?? "null");
            }
        }

        // An administrator's approval of a client that asked for tags grants one of them at least: the client would
        // only be refused ("the administrator granted no tag") while the approval read as given. Deny says no.
        if (byAdministrator && Kind == AuthorizationRequestKind.ClientConsent && RequestedScopes.Any(IsTag) && !granted.Any(IsTag))
        {
            throw AuthorizationRequestErrors.NoTagGranted();
        }

        Decide(AuthorizationRequestStatus.Approved, decidedBy, granted, now);
        return DecisionOutcome.Decided;
    }

    private static bool IsTag(string scope) => scope.StartsWith(TagScopes.TagScope.ScopePrefix, StringComparison.Ordinal);

    /// <summary>Denies the request.</summary>
    /// <returns><see cref="DecisionOutcome.Expired"/> when it came too late (the request is then expired, not denied).</returns>
    /// <exception cref="DomainException">Already decided.</exception>
    public DecisionOutcome Deny(string decidedBy, DateTimeOffset now)
    {
        if (ExpireIfDue(now) || Status == AuthorizationRequestStatus.Expired)
        {
            return DecisionOutcome.Expired;
        }

        EnsurePending();
        Decide(AuthorizationRequestStatus.Denied, decidedBy, [], now);
        return DecisionOutcome.Decided;
    }

    /// <summary>Marks a pending request whose time ran out; a no-op (false) for one not due or already decided.</summary>
    public bool ExpireIfDue(DateTimeOffset now)
    {
        if (Status != AuthorizationRequestStatus.Pending || now < ExpiresAt)
        {
            return false;
        }

        Status = AuthorizationRequestStatus.Expired;
        OnClosed();
        Bump();
        return true;
    }

    /// <summary>
    /// Takes back an approval that could not be acted on: the request is pending again, undecided, until it expires
    /// as it would have. Only the approval's own copy calls this, right after saving it (see
    /// <see cref="BackendConnectionRequest.ReturnTokens"/>).
    /// </summary>
    private protected void Reopen()
    {
        if (Status != AuthorizationRequestStatus.Approved)
        {
            throw AuthorizationRequestErrors.AlreadyDecided(Status);
        }

        Status = AuthorizationRequestStatus.Pending;
        GrantedScopes = [];
        DecidedAt = null;
        DecidedBy = null;
        Bump();
    }

    /// <summary>A pending request gets its full <see cref="Lifetime"/> again from <paramref name="now"/>.</summary>
    private protected void ExtendLifetime(DateTimeOffset now)
    {
        if (Status == AuthorizationRequestStatus.Pending)
        {
            ExpiresAt = now + Lifetime;
        }
    }

    /// <summary>The request left <see cref="AuthorizationRequestStatus.Pending"/> (decided or expired).</summary>
    private protected virtual void OnClosed()
    {
    }

    private protected static string Required(string value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw AuthorizationRequestErrors.Required(name) : value;

    private void EnsurePending()
    {
        if (Status != AuthorizationRequestStatus.Pending)
        {
            throw AuthorizationRequestErrors.AlreadyDecided(Status);
        }
    }

    private void Decide(AuthorizationRequestStatus status, string decidedBy, IReadOnlyList<string> granted, DateTimeOffset now)
    {
        DecidedBy = Required(decidedBy, nameof(decidedBy));
        Status = status;
        GrantedScopes = granted;
        DecidedAt = now;
        OnClosed();
        Bump();
    }
}
