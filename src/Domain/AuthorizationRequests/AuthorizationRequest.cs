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
/// (the OAuth parameters of the client, or the backend's tokens) travels as an opaque payload.
/// </summary>
public sealed class AuthorizationRequest
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private AuthorizationRequest(
        Guid id, AuthorizationRequestKind kind, AuthorizationRequestStatus status, string subject, string? clientId, string? clientName,
        string? backendName, IReadOnlyList<string> requestedScopes, IReadOnlyList<string> grantedScopes, string payload,
        int version, DateTimeOffset createdAt, DateTimeOffset expiresAt, DateTimeOffset? decidedAt, string? decidedBy)
    {
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
    public string Payload { get; }

    public int Version { get; private set; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    public DateTimeOffset? DecidedAt { get; private set; }

    public string? DecidedBy { get; private set; }

    public static AuthorizationRequest ForClient(string subject, string clientId, string clientName, IEnumerable<string> requestedScopes, string payload, DateTimeOffset now) =>
        new(Guid.NewGuid(), AuthorizationRequestKind.ClientConsent, AuthorizationRequestStatus.Pending, Required(subject, nameof(subject)),
            Required(clientId, nameof(clientId)), clientName, null, [.. requestedScopes.Distinct(StringComparer.Ordinal)], [], payload, 1, now, now + Lifetime, null, null);

    public static AuthorizationRequest ForBackend(string subject, string backendName, IEnumerable<string> requestedScopes, string payload, DateTimeOffset now) =>
        new(Guid.NewGuid(), AuthorizationRequestKind.BackendConnection, AuthorizationRequestStatus.Pending, Required(subject, nameof(subject)),
            null, null, Required(backendName, nameof(backendName)), [.. requestedScopes.Distinct(StringComparer.Ordinal)], [], payload, 1, now, now + Lifetime, null, null);

    public static AuthorizationRequest Restore(
        Guid id, AuthorizationRequestKind kind, AuthorizationRequestStatus status, string subject, string? clientId, string? clientName,
        string? backendName, IReadOnlyList<string> requestedScopes, IReadOnlyList<string> grantedScopes, string payload,
        int version, DateTimeOffset createdAt, DateTimeOffset expiresAt, DateTimeOffset? decidedAt, string? decidedBy) =>
        new(id, kind, status, subject, clientId, clientName, backendName, requestedScopes, grantedScopes, payload, version, createdAt, expiresAt, decidedAt, decidedBy);

    public bool IsExpiredAt(DateTimeOffset now) => Status == AuthorizationRequestStatus.Expired || (Status == AuthorizationRequestStatus.Pending && now >= ExpiresAt);

    /// <summary>Approves the request with the scopes chosen, which must be among those requested (when any were).</summary>
    public void Approve(string decidedBy, IEnumerable<string> grantedScopes, DateTimeOffset now)
    {
        EnsurePending(now);
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
        Version++;
        return true;
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
        Version++;
    }

    private static string Required(string value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new DomainException("authorization_request.invalid", $"'{name}' is required.") : value;
}
