using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Backends.OAuth;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Connections;
using OneMcp.Infrastructure.Persistence;

namespace OneMcp.Infrastructure.Backends.OAuth;

/// <summary>
/// The access tokens backends are called with: loaded from the encrypted store once, kept in memory, refreshed
/// before they expire (one refresh at a time per backend, re-reading the store first in case another replica
/// already rotated them). On PostgreSQL the read-check-refresh-save runs under <see cref="BackendRefreshLock"/>, so two
/// replicas never spend the same rotating refresh token: the one that waited finds the new tokens. While the database
/// cannot be reached, a token not yet expired is used as it is and renewed once it is back. A refresh the
/// authorization server refuses (<c>invalid_grant</c>, <c>invalid_client</c>, <c>unauthorized_client</c>) drops the
/// tokens, and the backend is then awaiting OAuth with the reason. Any other failure (the server cannot be reached,
/// does not answer in time, answers 408, 429 or 5xx, or answers something that is no OAuth answer, such as a proxy's
/// error page) keeps them: a token not yet expired is used as it is, an expired one fails the call with the reason,
/// and the server is asked again after <see cref="TransientRetryDelay"/>, not on every call in between.
/// A user's own tokens for a per-user backend (ADR 0033) follow the same rules in that user's row of
/// <see cref="UserConnectionStore"/>, cached, locked and dropped per (backend, user): one user's refresh never touches
/// another's tokens.
/// </summary>
public sealed partial class BackendTokenSource(
    BackendCredentialStore store,
    UserConnectionStore userConnections,
    BackendOAuthHttp oauth,
    TimeProvider time,
    ILogger<BackendTokenSource> logger,
    BackendRefreshLock? refreshLock = null)
{
    /// <summary>Tokens are renewed this long before they expire (or at half their life, when that is shorter).</summary>
    internal static readonly TimeSpan RefreshMargin = TimeSpan.FromSeconds(60);

    /// <summary>After a refresh failed for a passing reason, the authorization server is asked again this much later.</summary>
    internal static readonly TimeSpan TransientRetryDelay = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public bool HasTokens(ServerName backend) => _entries.TryGetValue(backend.Value, out var entry) && entry.Tokens is not null;

    /// <summary>The access token to send, or null when the backend has none (it then answers 401 if it needs one).</summary>
    /// <exception cref="BackendAuthorizationRequiredException">The tokens expired and could not be renewed.</exception>
    public ValueTask<string?> GetAccessTokenAsync(ServerName backend, CancellationToken cancellationToken) =>
        GetAccessTokenAsync(backend, null, cancellationToken);

    /// <summary>
    /// The access token of <paramref name="owner"/>'s own connection to a per-user backend (null owner: the shared one);
    /// null when that user has none (the backend then answers 401).
    /// </summary>
    /// <exception cref="BackendAuthorizationRequiredException">The tokens expired and could not be renewed.</exception>
    public async ValueTask<string?> GetAccessTokenAsync(ServerName backend, ConnectionOwner? owner, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(Key(backend, owner), static _ => new Entry());
        if (!entry.Loaded)
        {
            await LoadAsync(backend, owner, entry, cancellationToken);
        }

        var tokens = entry.Tokens;
        if (tokens is null)
        {
            // Tokens that could not be renewed: say why, rather than let the backend answer a bare 401.
            return entry.Failure is { } failure ? throw new BackendAuthorizationRequiredException(failure) : null;
        }

        if (!NeedsRefresh(tokens))
        {
            return tokens.AccessToken;
        }

        // The authorization server failed moments ago: it is not asked again on every call meanwhile.
        return WhilePaused(entry, tokens) is { } paused ? paused : await RefreshAsync(backend, owner, entry, tokens, cancellationToken);
    }

    /// <summary>The backend refused this access token of the owner (null: the shared one): the next request renews it first.</summary>
    public void Reject(ServerName backend, ConnectionOwner? owner, string accessToken)
    {
        if (_entries.TryGetValue(Key(backend, owner), out var entry) && entry.Tokens is { } tokens && tokens.AccessToken == accessToken)
        {
            entry.Tokens = tokens with { ExpiresAt = DateTimeOffset.MinValue };
        }
    }

    /// <summary>Forgets what is cached of the owner's tokens for the backend: the next request reads the store again.</summary>
    public void Forget(ServerName backend, ConnectionOwner owner) => _entries.TryRemove(Key(backend, owner), out _);

    // Shared tokens under the backend's name; a user's own under "<backend>/<owner>" ('/' is never in a backend name).
    private static string Key(ServerName backend, ConnectionOwner? owner) => owner is { } o ? $"{backend.Value}/{o.Key}" : backend.Value;

    /// <summary>The backend refused this access token: the next request renews it first.</summary>
    public void Reject(ServerName backend, string accessToken) => Reject(backend, null, accessToken);

    public void Use(ServerName backend, BackendTokenSet? tokens)
    {
        var entry = _entries.GetOrAdd(backend.Value, static _ => new Entry());
        entry.Tokens = tokens;
        entry.Failure = null;
        entry.Pause = null;
        entry.Loaded = true;
    }

    private async Task LoadAsync(ServerName backend, ConnectionOwner? owner, Entry entry, CancellationToken cancellationToken)
    {
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (!entry.Loaded)
            {
                entry.Tokens = await LoadStoredAsync(backend, owner, cancellationToken);
                entry.Loaded = true;
            }
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private async Task<string?> RefreshAsync(ServerName backend, ConnectionOwner? owner, Entry entry, BackendTokenSet stale, CancellationToken cancellationToken)
    {
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Tokens is { } current && !ReferenceEquals(current, stale) && !NeedsRefresh(current))
            {
                return current.AccessToken;
            }

            // The refresh this call waited for failed for a passing reason: not asked again by each waiting call.
            if (WhilePaused(entry, entry.Tokens ?? stale) is { } paused)
            {
                return paused;
            }

            IAsyncDisposable? replicas = null;
            BackendTokenSet? stored;
            try
            {
                replicas = refreshLock is null ? null : await refreshLock.AcquireAsync(backend, owner, cancellationToken);
                stored = await LoadStoredAsync(backend, owner, cancellationToken);
            }
            catch (Exception e) when (DatabaseAvailability.Classify(e) is not null && stale.ExpiresAt > time.GetUtcNow())
            {
                // The database is down: renewing now could not be saved (nor coordinated), and the token still works.
                if (replicas is not null)
                {
                    await replicas.DisposeAsync();
                }

                LogRefreshPostponed(logger, backend.Value, e);
                return stale.AccessToken;
            }

            await using var held = replicas;
            if (stored is null)
            {
                // Discarded (Restart OAuth on another replica): the backend is called without a token and says 401.
                entry.Tokens = null;
                return null;
            }

            if (!NeedsRefresh(stored) && stored.AccessToken != stale.AccessToken)
            {
                // Another replica renewed them already.
                entry.Tokens = stored;
                return stored.AccessToken;
            }

            if (stored.RefreshToken is null)
            {
                throw await DropAsync(backend, owner, entry, "The backend's access token expired and it issued no refresh token. Authorize it again.", cancellationToken);
            }

            TokenResponse renewed;
            try
            {
                renewed = await oauth.RefreshAsync(stored.Client, stored.RefreshToken, cancellationToken);
            }
            catch (BackendOAuthException e) when (!RefusesGrant(e))
            {
                // Not a refusal: the tokens stay, and the refresh token is tried again once the pause is over.
                // A token the backend refused (Reject) stays marked as such.
                if (e.Transient)
                {
                    LogRefreshDeferred(logger, backend.Value, owner is null ? "shared" : "user", e.Message);
                }
                else
                {
                    LogRefreshNotRefused(logger, backend.Value, owner is null ? "shared" : "user", e.Message);
                }

                var kept = stored.AccessToken == stale.AccessToken ? stale : stored;
                entry.Tokens = kept;
                entry.Pause = new RefreshPause(e.Message, time.GetUtcNow() + TransientRetryDelay);
                return StillValid(kept) ? kept.AccessToken : throw NotRenewed(e.Message);
            }
            catch (BackendOAuthException e)
            {
                LogRefreshFailed(logger, backend.Value, owner is null ? "shared" : "user", e.Message);
                throw await DropAsync(backend, owner, entry, $"Renewing the backend's access token failed: {e.Message} Authorize it again.", cancellationToken);
            }

            var now = time.GetUtcNow();
            var next = stored with
            {
                AccessToken = renewed.AccessToken,
                RefreshToken = renewed.RefreshToken ?? stored.RefreshToken,
                IssuedAt = now,
                ExpiresAt = renewed.ExpiresIn is { } lifetime ? now + lifetime : null,
                Scopes = renewed.Scopes ?? stored.Scopes,
            };
            await SaveAsync(backend, owner, next, cancellationToken);
            entry.Tokens = next;
            entry.Pause = null;
            LogRefreshed(logger, backend.Value, owner is null ? "shared" : "user");
            return next.AccessToken;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    // Tokens that cannot be renewed are of no use: dropped here and in the store, with the reason kept for the status.
    private async Task<BackendAuthorizationRequiredException> DropAsync(
        ServerName backend, ConnectionOwner? owner, Entry entry, string reason, CancellationToken cancellationToken)
    {
        entry.Tokens = null;
        entry.Failure = reason;
        await SaveAsync(backend, owner, null, cancellationToken);
        return new BackendAuthorizationRequiredException(reason);
    }

    /// <summary>
    /// The authorization server refused the grant itself: the refresh token is spent, revoked or unknown
    /// (<c>invalid_grant</c>), or the gateway is no longer a client it renews for. Only then are tokens dropped.
    /// </summary>
    private static bool RefusesGrant(BackendOAuthException e) =>
        e.OAuthError is "invalid_grant" or "invalid_client" or "unauthorized_client";

    private async Task<BackendTokenSet?> LoadStoredAsync(ServerName backend, ConnectionOwner? owner, CancellationToken cancellationToken) =>
        owner is { } user
            ? (await userConnections.LoadAsync(backend, user, cancellationToken)).Connection.Tokens
            : (await store.LoadAsync(backend, cancellationToken)).Credentials.Tokens;

    // Renewed tokens keep the time the user connected; dropped ones take it with them.
    private Task SaveAsync(ServerName backend, ConnectionOwner? owner, BackendTokenSet? tokens, CancellationToken cancellationToken) =>
        owner is { } user
            ? userConnections.UpdateAsync(backend, user, c => c with { Tokens = tokens, ConnectedAt = tokens is null ? null : c.ConnectedAt }, cancellationToken)
            : store.UpdateAsync(backend, c => c with { Tokens = tokens }, cancellationToken);

    /// <summary>
    /// While a refresh that failed for a passing reason is paused: the token if it is still valid, else the failure.
    /// Null when there is no pause (the caller may renew).
    /// </summary>
    private string? WhilePaused(Entry entry, BackendTokenSet tokens) =>
        entry.Pause is not { } pause || time.GetUtcNow() >= pause.Until ? null
        : StillValid(tokens) ? tokens.AccessToken
        : throw NotRenewed(pause.Reason);

    private bool StillValid(BackendTokenSet tokens) => tokens.ExpiresAt is not { } expiresAt || expiresAt > time.GetUtcNow();

    // A transport failure of the call (not an authorization one): the backend is not sent back to awaiting OAuth.
    private static HttpRequestException NotRenewed(string reason) =>
        new($"The backend's access token has expired and renewing it failed for now ({reason}) The gateway tries again shortly.");

    private bool NeedsRefresh(BackendTokenSet tokens)
    {
        if (tokens.ExpiresAt is not { } expiresAt)
        {
            return false;
        }

        var margin = TimeSpan.FromTicks(Math.Min(RefreshMargin.Ticks, Math.Max(0, (expiresAt - tokens.IssuedAt).Ticks / 2)));
        return time.GetUtcNow() >= expiresAt - margin;
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public volatile bool Loaded;

        public volatile BackendTokenSet? Tokens;

        /// <summary>Why the tokens were dropped, until new ones are accepted or the credentials are forgotten.</summary>
        public volatile string? Failure;

        /// <summary>A refresh failed for a passing reason: until when the authorization server is not asked again.</summary>
        public volatile RefreshPause? Pause;
    }

    private sealed record RefreshPause(string Reason, DateTimeOffset Until);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backend {Server}: the database cannot be reached, the OAuth access token is renewed once it is back")]
    private static partial void LogRefreshPostponed(ILogger logger, string server, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: OAuth access token renewed ({Credentials} credentials)")]
    private static partial void LogRefreshed(ILogger logger, string server, string credentials);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: renewing the OAuth access token failed ({Credentials} credentials): {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string server, string credentials, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: the OAuth access token could not be renewed for now ({Credentials} credentials), the tokens are kept and it is tried again shortly: {Reason}")]
    private static partial void LogRefreshDeferred(ILogger logger, string server, string credentials, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: the token endpoint's answer to a renewal ({Credentials} credentials) is no refusal of the grant, the tokens are kept and it is tried again shortly: {Reason}")]
    private static partial void LogRefreshNotRefused(ILogger logger, string server, string credentials, string reason);
}
