using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections;

/// <summary>
/// The backend OAuth flow run by one user for their own connection to a per-user backend: the same discovery,
/// PKCE and one-time state as the shared flow, bound to the user, with the tokens stored under (backend, user).
/// Implemented in Infrastructure.
/// </summary>
public interface IUserBackendOAuth
{
    /// <summary>Starts the user's flow; returns the URL of the backend's authorization page.</summary>
    Task<Uri> BeginAsync(BackendSettings backend, ConnectionOwner owner, Uri redirectUri, CancellationToken cancellationToken);

    /// <summary>
    /// Checks the state (the user's pending one, once) and exchanges the code. The tokens are in use at once, unless the
    /// backend says <c>"approval": "admin"</c>: then they wait for <see cref="ApproveAsync"/>.
    /// </summary>
    /// <exception cref="Backends.OAuth.BackendOAuthException">State unknown, used, expired or someone else's; the exchange failed.</exception>
    Task<UserConnectionOutcome> CompleteAsync(ServerName backend, ConnectionOwner owner, string state, string code, CancellationToken cancellationToken);

    /// <summary>The authorization server answered with an error: the user's pending flow of this state ends.</summary>
    Task AbandonAsync(ServerName backend, ConnectionOwner owner, string state, CancellationToken cancellationToken);

    /// <summary>An administrator approved the tokens a user obtained for a backend with <c>"approval": "admin"</c>.</summary>
    /// <returns>False when that user has no tokens waiting.</returns>
    Task<bool> ApproveAsync(ServerName backend, ConnectionOwner owner, CancellationToken cancellationToken);
}

/// <summary>How a user's authorization at a backend ended.</summary>
public enum UserConnectionOutcome
{
    /// <summary>The tokens are in use: the user's next call runs as them.</summary>
    Connected,

    /// <summary>The backend wants an administrator to approve each user's connection first.</summary>
    AwaitingApproval,
}
