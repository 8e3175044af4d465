using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends.OAuth;

/// <summary>
/// The gateway as an OAuth client of a backend MCP server: discovery, client registration, PKCE, the code
/// exchange and the encrypted credentials the backend is then called with. Implemented in Infrastructure.
/// </summary>
public interface IBackendOAuth
{
    /// <summary>
    /// Discovers the backend's authorization server, registers (or uses the configured) client, and remembers a
    /// PKCE verifier and a one-time <c>state</c> bound to <paramref name="subject"/>. Returns the URL to send the
    /// user's browser to.
    /// </summary>
    Task<Uri> BeginAsync(BackendSettings backend, string subject, Uri redirectUri, CancellationToken cancellationToken);

    /// <summary>
    /// Checks that <paramref name="state"/> is the pending one of <paramref name="subject"/> (consuming it, once)
    /// and exchanges <paramref name="code"/> for tokens, which come back protected, not yet in use.
    /// </summary>
    /// <exception cref="BackendOAuthException">State unknown, used, expired or someone else's; the exchange failed.</exception>
    Task<ObtainedBackendTokens> CompleteAsync(ServerName backend, string subject, string state, string code, CancellationToken cancellationToken);

    /// <summary>The authorization server answered with an error: the pending flow of this state ends.</summary>
    /// <exception cref="BackendOAuthException">The state is not the pending one of this user: nothing changes.</exception>
    Task AbandonAsync(ServerName backend, string subject, string state, CancellationToken cancellationToken);

    /// <summary>An operator approved: the backend is called with these tokens from now on (refreshed by themselves).</summary>
    Task AcceptAsync(ServerName backend, string protectedTokens, CancellationToken cancellationToken);

    /// <summary>Discards the backend's stored tokens, client registration and any pending flow.</summary>
    Task ForgetAsync(ServerName backend, CancellationToken cancellationToken);

    /// <summary>
    /// Another replica accepted or discarded this backend's tokens: the ones stored are used from now on. True when
    /// that made the backend gain or lose its tokens (it must then reconnect to show it).
    /// </summary>
    Task<bool> ReloadAsync(ServerName backend, CancellationToken cancellationToken);

    /// <summary>Whether the backend has tokens in use (then a connection to it is "authorized").</summary>
    bool HasTokens(ServerName backend);
}
