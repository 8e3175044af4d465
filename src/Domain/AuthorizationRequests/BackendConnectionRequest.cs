namespace OneMcp.Domain.AuthorizationRequests;

/// <summary>
/// A backend's OAuth tokens, obtained by a user through its authorization flow, waiting for an operator: approved,
/// they become the backend's credentials; denied or expired, they are discarded. The request keeps no secret
/// once it left <see cref="AuthorizationRequestStatus.Pending"/>.
/// </summary>
public sealed class BackendConnectionRequest : AuthorizationRequest
{
    private BackendConnectionRequest(string subject, string backendName, IEnumerable<string> requestedScopes, string protectedTokens, DateTimeOffset now)
        : base(subject, requestedScopes, now)
    {
        BackendName = backendName;
        ProtectedTokens = protectedTokens;
    }

    private BackendConnectionRequest(
        Guid id, AuthorizationRequestStatus status, string subject, string backendName, IReadOnlyList<string> requestedScopes,
        IReadOnlyList<string> grantedScopes, string protectedTokens, int version, DateTimeOffset createdAt, DateTimeOffset expiresAt,
        DateTimeOffset? decidedAt, string? decidedBy)
        : base(id, status, subject, requestedScopes, grantedScopes, version, createdAt, expiresAt, decidedAt, decidedBy)
    {
        BackendName = backendName;
        ProtectedTokens = protectedTokens;
    }

    public override AuthorizationRequestKind Kind => AuthorizationRequestKind.BackendConnection;

    public string BackendName { get; }

    /// <summary>
    /// The backend's tokens, encrypted; empty once the request was decided or expired (whoever acted on an approval
    /// read them first). Never logged.
    /// </summary>
    public string ProtectedTokens { get; private set; }

    /// <summary>Always: only an operator with administrator rights accepts a backend's tokens.</summary>
    public override bool RequiresAdministrator => true;

    internal static BackendConnectionRequest Open(string subject, string backendName, IEnumerable<string> requestedScopes, string protectedTokens, DateTimeOffset now) =>
        new(Required(subject, nameof(subject)), Required(backendName, nameof(backendName)), requestedScopes, protectedTokens, now);

    /// <summary>Rebuilds a stored request; only repositories call this.</summary>
    internal static BackendConnectionRequest Restore(
        Guid id, AuthorizationRequestStatus status, string subject, string backendName, IReadOnlyList<string> requestedScopes,
        IReadOnlyList<string> grantedScopes, string protectedTokens, int version, DateTimeOffset createdAt, DateTimeOffset expiresAt,
        DateTimeOffset? decidedAt, string? decidedBy) =>
        new(id, status, subject, backendName, requestedScopes, grantedScopes, protectedTokens, version, createdAt, expiresAt, decidedAt, decidedBy);

    /// <summary>
    /// The approved tokens could not be put in use (the backend's credentials could not be saved): the request is
    /// pending again with <paramref name="protectedTokens"/>, the ones it carried, so an operator can approve it again
    /// (or deny it) instead of the user authorizing again.
    /// </summary>
    /// <exception cref="Common.DomainException">The request is not approved.</exception>
    public void ReturnTokens(string protectedTokens)
    {
        Reopen();
        ProtectedTokens = Required(protectedTokens, nameof(protectedTokens));
    }

    private protected override void OnClosed() => ProtectedTokens = string.Empty;
}
