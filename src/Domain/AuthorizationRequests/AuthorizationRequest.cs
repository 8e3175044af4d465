using OneMcp.Domain.Common;

namespace OneMcp.Domain.AuthorizationRequests;

public enum AuthorizationRequestKind
{
    /// <summary>An MCP client asks a user for tag scopes (the consent page).</summary>
    ClientConsent,
    /// <summary>The gateway obtained a backend's OAuth tokens and waits for an operator to accept them.</summary>
    BackendConnection,
}

public enum AuthorizationRequestStatus
{
    Pending,
    Approved,
    Denied,
    Expired,
}

/// <summary>
/// A decision someone has to make: approve or deny, once, within ten minutes. What is being decided
/// (the OAuth parameters of the client, or the backend's tokens) travels as an opaque payload. A backend's
/// tokens leave the request when it is decided: approved, they move to the backend's credentials; denied,
/// they are discarded. A client request for tags the user may not grant alone waits for an administrator,
/// and the user's consent page then redeems the approval once.
/// </summary>
public sealed class AuthorizationRequest
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private AuthorizationRequest(
        Guid id, AuthorizationRequestKind kind, AuthorizationRequestStatus status, string subject, string? clientId, string? clientName,
        string? backendName, IReadOnlyList<string> requestedScopes, IReadOnlyList<string> grantedScopes, string payload,
        int version, DateTimeOffset createdAt, DateTimeOffset expiresAt, DateTimeOffset? decidedAt, string? decidedBy,
        bool requiresAdministrator, DateTimeOffset? redeemedAt)
    {
        RequiresAdministrator = requiresAdministrator;
        RedeemedAt = redeemedAt;
        Id = id;
        Kind = kind;
        Status = status;
        Subject = subject;
        ClientId = clientId;
        ClientName = clientName;
        BackendName = backendName;
        RequestedScopes = requestedScopes;
        GrantedScopes = grantedScopes;
        Payload = payload;
        Version = version;
        CreatedAt = createdAt;
        ExpiresAt = expiresAt;
        DecidedAt = decidedAt;
        DecidedBy = decidedBy;
    }

    public Guid Id { get; }

    public AuthorizationRequestKind Kind { get; }

    public AuthorizationRequestStatus Status { get; private set; }

    /// <summary>The user on whose behalf the request was made.</summary>
    public string Subject { get; }

    public string? ClientId { get; }

    public string? ClientName { get; }

    public string? BackendName { get; }

    public IReadOnlyList<string> RequestedScopes { get; }

    public IReadOnlyList<string> GrantedScopes { get; private set; }

    /// <summary>Opaque to the domain (JSON); may hold secrets, so it is never logged.</summary>
    public string Payload { get; private set; }

    /// <summary>Only an administrator may approve it (a client asked for tags the user may not grant alone).</summary>
    public bool RequiresAdministrator { get; }

    /// <summary>When the user's consent page turned the approval into an authorization code (once).</summary>
    public DateTimeOffset? RedeemedAt { get; private set; }

    public int Version { get; private set; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    public DateTimeOffset? DecidedAt { get; private set; }

    public string? DecidedBy { get; private set; }

    public static AuthorizationRequest ForClient(
        string subject, string clientId, string clientName, IEnumerable<string> requestedScopes, string payload, DateTimeOffset now, bool requiresAdministrator = false) =>
        new(Guid.NewGuid(), AuthorizationRequestKind.ClientConsent, AuthorizationRequestStatus.Pending, Required(subject, nameof(subject)),
            Required(clientId, nameof(clientId)), clientName, null, [.. requestedScopes.Distinct(StringComparer.Ordinal)], [], payload, 1, now, now + Lifetime, null, null,
            requiresAdministrator, null);

    /// <summary>A backend's tokens, obtained through its OAuth flow by <paramref name="subject"/>, waiting for an operator.</summary>
    public static AuthorizationRequest ForBackend(string subject, string backendName, IEnumerable<string> requestedScopes, string payload, DateTimeOffset now) =>
        new(Guid.NewGuid(), AuthorizationRequestKind.BackendConnection, AuthorizationRequestStatus.Pending, Required(subject, nameof(subject)),
            null, null, Required(backendName, nameof(backendName)), [.. requestedScopes.Distinct(StringComparer.Ordinal)], [], payload, 1, now, now + Lifetime, null, null,
            requiresAdministrator: true, null);

    public static AuthorizationRequest Restore(
        Guid id, AuthorizationRequestKind kind, AuthorizationRequestStatus status, string subject, string? clientId, string? clientName,
        string? backendName, IReadOnlyList<string> requestedScopes, IReadOnlyList<string> grantedScopes, string payload,
        int version, DateTimeOffset createdAt, DateTimeOffset expiresAt, DateTimeOffset? decidedAt, string? decidedBy,
        bool requiresAdministrator = false, DateTimeOffset? redeemedAt = null) =>
        new(id, kind, status, subject, clientId, clientName, backendName, requestedScopes, grantedScopes, payload, version, createdAt, expiresAt, decidedAt, decidedBy,
            requiresAdministrator, redeemedAt);

    public bool IsExpiredAt(DateTimeOffset now) => Status == AuthorizationRequestStatus.Expired || (Status == AuthorizationRequestStatus.Pending && now >= ExpiresAt);

    /// <summary>Approves the request with the scopes chosen, which must be among those requested (when any were).</summary>
    public void Approve(string decidedBy, IEnumerable<string> grantedScopes, DateTimeOffset now, bool byAdministrator = false)
    {
        EnsurePending(now);
        if (RequiresAdministrator && !byAdministrator)
        {
            throw new DomainException("authorization_request.administrator_required", "Only an administrator may approve this request.");
        }

        var granted = grantedScopes.Distinct(StringComparer.Ordinal).ToArray();
        if (RequestedScopes.Count > 0 && granted.Except(RequestedScopes, StringComparer.Ordinal).FirstOrDefault() is { } extra)
        {
            throw new DomainException("authorization_request.scope_not_requested", $"The scope '{extra}' was not requested.");
        }

        Decide(AuthorizationRequestStatus.Approved, decidedBy, granted, now);
    }

    public void Deny(string decidedBy, DateTimeOffset now)
    {
        EnsurePending(now);
        Decide(AuthorizationRequestStatus.Denied, decidedBy, [], now);
    }

    /// <summary>Marks a pending request whose time ran out; a no-op for one already decided.</summary>
    public bool ExpireIfDue(DateTimeOffset now)
    {
        if (Status != AuthorizationRequestStatus.Pending || now < ExpiresAt)
        {
            return false;
        }

        Status = AuthorizationRequestStatus.Expired;
        if (Kind == AuthorizationRequestKind.BackendConnection)
        {
            Payload = string.Empty;
        }

        Version++;
        return true;
    }

    /// <summary>
    /// The requesting user's consent page collects an administrator's approval: once, by that user only.
    /// </summary>
    public void Redeem(string subject, DateTimeOffset now)
    {
        if (Status != AuthorizationRequestStatus.Approved || !string.Equals(subject, Subject, StringComparison.Ordinal))
        {
            throw new DomainException("authorization_request.not_approved", "This authorization request is not approved for you.");
        }

        if (RedeemedAt is not null)
        {
            throw new DomainException("authorization_request.already_redeemed", "This approval was already used; start the sign-in from your application again.");
        }

        RedeemedAt = now;
        Version++;
    }

    private void EnsurePending(DateTimeOffset now)
    {
        if (ExpireIfDue(now) || Status == AuthorizationRequestStatus.Expired)
        {
            throw new DomainException("authorization_request.expired", "This authorization request has expired; start again.");
        }

        if (Status != AuthorizationRequestStatus.Pending)
        {
            throw new DomainException("authorization_request.already_decided", $"This authorization request was already {Status.ToString().ToLowerInvariant()}.");
        }
    }

    private void Decide(AuthorizationRequestStatus status, string decidedBy, IReadOnlyList<string> granted, DateTimeOffset now)
    {
        Status = status;
        GrantedScopes = granted;
        DecidedBy = Required(decidedBy, nameof(decidedBy));
        DecidedAt = now;
        if (Kind == AuthorizationRequestKind.BackendConnection)
        {
            // The tokens were read by whoever acted on the decision; the request keeps no secret after it.
            Payload = string.Empty;
        }

        Version++;
    }

    private static string Required(string value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new DomainException("authorization_request.invalid", $"'{name}' is required.") : value;
}
