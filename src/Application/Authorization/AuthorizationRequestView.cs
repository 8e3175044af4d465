using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Users;

namespace OneMcp.Application.Authorization;

/// <summary>
/// A request waiting for an administrator, as the dashboard lists it (never its payload). <paramref name="RedirectUri"/>:
/// where a client's request sends the browser (and the authorization code) once approved; null for a backend connection
/// and for a request stored before the gateway recorded it.
/// </summary>
public sealed record AuthorizationRequestView(
    Guid Id,
    string Kind,
    string Status,
    string UserName,
    string? ClientId,
    string? ClientName,
    string? BackendName,
    IReadOnlyList<string> RequestedScopes,
    IReadOnlyList<string> GrantedScopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string? RedirectUri = null)
{
    /// <summary>Who acted when the gateway runs without authentication (a single-user tool).</summary>
    public const string LocalOperator = "local";

    public static async Task<AuthorizationRequestView> FromAsync(AuthorizationRequest request, IUserRepository users, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(users);
        var user = Guid.TryParse(request.Subject, out var id) ? await users.FindByIdAsync(id, cancellationToken) : null;
        var consent = request as ClientConsentRequest;
        return new AuthorizationRequestView(
            request.Id,
            request.Kind == AuthorizationRequestKind.BackendConnection ? "backendConnection" : "clientConsent",
            request.Status.ToString().ToLowerInvariant(),
            user?.UserName ?? request.Subject,
            consent?.ClientId,
            consent?.ClientName,
            (request as BackendConnectionRequest)?.BackendName,
            request.RequestedScopes,
            request.GrantedScopes,
            request.CreatedAt,
            request.ExpiresAt,
            consent?.RedirectUri);
    }
}
