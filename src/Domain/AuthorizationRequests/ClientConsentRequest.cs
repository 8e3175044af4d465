using OneMcp.Domain.Common;

namespace OneMcp.Domain.AuthorizationRequests;

/// <summary>
/// An MCP client asks a user for tag scopes on the consent page. The user decides, or, for tags the user may
/// not grant alone (<see cref="RequiresAdministrator"/>), an administrator; the user's waiting consent page then
/// redeems that approval once.
/// </summary>
public sealed class ClientConsentRequest : AuthorizationRequest
{
    private bool _requiresAdministrator;

    private ClientConsentRequest(
        string subject, string clientId, string clientName, IEnumerable<string> requestedScopes, string parametersDigest, DateTimeOffset now,
        bool requiresAdministrator, string? redirectUri)
        : base(subject, requestedScopes, now)
    {
        ClientId = clientId;
        ClientName = clientName;
        ParametersDigest = parametersDigest;
        _requiresAdministrator = requiresAdministrator;
        RedirectUri = redirectUri;
    }

    private ClientConsentRequest(
        Guid id, AuthorizationRequestStatus status, string subject, string clientId, string clientName, IReadOnlyList<string> requestedScopes,
        IReadOnlyList<string> grantedScopes, string parametersDigest, int version, DateTimeOffset createdAt, DateTimeOffset expiresAt,
        DateTimeOffset? decidedAt, string? decidedBy, bool requiresAdministrator, DateTimeOffset? redeemedAt, string? redirectUri)
        : base(id, status, subject, requestedScopes, grantedScopes, version, createdAt, expiresAt, decidedAt, decidedBy)
    {
        ClientId = clientId;
        ClientName = clientName;
        ParametersDigest = parametersDigest;
        _requiresAdministrator = requiresAdministrator;
        RedeemedAt = redeemedAt;
        RedirectUri = redirectUri;
    }

    public override AuthorizationRequestKind Kind => AuthorizationRequestKind.ClientConsent;

    public string ClientId { get; }

    public string ClientName { get; }

    /// <summary>Pins the OAuth request the consent page was shown for (a digest of its parameters, no secret).</summary>
    public string ParametersDigest { get; }

    /// <summary>
    /// Where the browser returns with the answer (the OAuth request's validated redirect URI): an administrator sees its
    /// host before approving. Null for a request stored before the gateway recorded it.
    /// </summary>
    public string? RedirectUri { get; }

    /// <summary>
    /// The client asked for tags the user may not grant alone, and the user asked an administrator to decide
    /// (<see cref="AskAdministrator"/>): it is listed for administrators, who alone may approve it.
    /// </summary>
    public override bool RequiresAdministrator => _requiresAdministrator;

    /// <summary>When the user's consent page turned the approval into an authorization code (once).</summary>
    public DateTimeOffset? RedeemedAt { get; private set; }

    /// <summary>Whether this is the request of <paramref name="subject"/>, for this client and this exact OAuth request.</summary>
    public bool IsFor(string subject, string clientId, string parametersDigest) =>
        string.Equals(Subject, subject, StringComparison.Ordinal)
        && string.Equals(ClientId, clientId, StringComparison.Ordinal)
        && string.Equals(ParametersDigest, parametersDigest, StringComparison.Ordinal);

    /// <summary>
    /// The user asks an administrator to decide this undecided request ("Ask an administrator"): from now on it is
    /// listed for administrators, with the full <see cref="AuthorizationRequest.Lifetime"/> to decide it. Asking again
    /// changes nothing.
    /// </summary>
    /// <returns><see cref="DecisionOutcome.Expired"/> when it came too late (the request is then expired).</returns>
    /// <exception cref="DomainException">Already decided, or not this user's request.</exception>
    public DecisionOutcome AskAdministrator(string subject, DateTimeOffset now)
    {
        if (ExpireIfDue(now) || Status == AuthorizationRequestStatus.Expired)
        {
            return DecisionOutcome.Expired;
        }

        if (Status != AuthorizationRequestStatus.Pending)
        {
            throw AuthorizationRequestErrors.AlreadyDecided(Status);
        }

        if (!string.Equals(subject, Subject, StringComparison.Ordinal))
        {
            throw AuthorizationRequestErrors.NotYours();
        }

        if (!RequiresAdministrator)
        {
            _requiresAdministrator = true;
            ExtendLifetime(now);
            Bump();
        }

        return DecisionOutcome.Decided;
    }

    /// <summary>
    /// The requesting user's consent page collects an administrator's approval: once, by that user only.
    /// </summary>
    public void Redeem(string subject, DateTimeOffset now)
    {
        if (Status != AuthorizationRequestStatus.Approved || !string.Equals(subject, Subject, StringComparison.Ordinal))
        {
            throw AuthorizationRequestErrors.NotApproved();
        }

        if (RedeemedAt is not null)
        {
            throw AuthorizationRequestErrors.AlreadyRedeemed();
        }

        RedeemedAt = now;
        Bump();
    }

    internal static ClientConsentRequest Open(
        string subject, string clientId, string clientName, IEnumerable<string> requestedScopes, string parametersDigest, DateTimeOffset now,
        bool requiresAdministrator, string? redirectUri) =>
        new(Required(subject, nameof(subject)), Required(clientId, nameof(clientId)), clientName, requestedScopes, parametersDigest, now, requiresAdministrator,
            redirectUri);

    /// <summary>Rebuilds a stored request; only repositories call this.</summary>
    internal static ClientConsentRequest Restore(
        Guid id, AuthorizationRequestStatus status, string subject, string clientId, string clientName, IReadOnlyList<string> requestedScopes,
        IReadOnlyList<string> grantedScopes, string parametersDigest, int version, DateTimeOffset createdAt, DateTimeOffset expiresAt,
        DateTimeOffset? decidedAt, string? decidedBy, bool requiresAdministrator, DateTimeOffset? redeemedAt, string? redirectUri) =>
        new(id, status, subject, clientId, clientName, requestedScopes, grantedScopes, parametersDigest, version, createdAt, expiresAt, decidedAt, decidedBy,
            requiresAdministrator, redeemedAt, redirectUri);
}
