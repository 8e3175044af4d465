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
/// cannot be reached, a token not yet expired is used as it is and renewed once it is back.
/// A renewal, once begun, runs to its end on its own clock, whoever asked for it: a caller that goes away (a cancelled
/// call, a client's timeout) stops waiting but does not cut the token request short, so tokens the authorization
/// server has already rotated are never lost with the answer. They are kept in memory before they are saved; a save
/// that fails is retried on a later use, and until then the renewed tokens are the ones used.
/// Saving and dropping are compare-and-swap on the tokens the renewal started from: tokens stored meanwhile (an
/// approval, a reconnect, another replica) win and are taken up instead. A refresh the authorization server refuses
/// (<c>invalid_grant</c>, <c>invalid_client</c>, <c>unauthorized_client</c>) drops the tokens, and the backend is then
/// awaiting OAuth with the reason. Any other failure (the server cannot be reached, does not answer in time, answers
/// 408, 429 or 5xx, or answers something that is no OAuth answer, such as a proxy's error page) keeps them: a token not
/// yet expired is used as it is, an expired one fails the call with the reason, and the server is asked again after
/// <see cref="TransientRetryDelay"/>, not on every call in between.
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

    /// <summary>
    /// After a refresh failed for a passing reason, the authorization server is asked again this much later; renewed
    /// tokens the store could not take are offered to it again after as long.
    /// </summary>
    internal static readonly TimeSpan TransientRetryDelay = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a renewal may take, from waiting for the other replicas to the token endpoint's answer. Its own bound,
    /// not the caller's: the caller may stop waiting, the renewal goes on (the token client's own timeout is 30 s).
    /// </summary>
    internal static readonly TimeSpan RenewalTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long saving (or dropping) tokens may take, counted afresh after the token endpoint answered.</summary>
    internal static readonly TimeSpan SaveTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly BackendTokenRows _rows = new(store, userConnections);

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
    public ValueTask<string?> GetAccessTokenAsync(ServerName backend, ConnectionOwner? owner, CancellationToken cancellationToken) =>
        GetAccessTokenAsync(backend, owner, target: null, cancellationToken);

    /// <summary>
    /// The access token to send with a request to <paramref name="target"/>: as above, but null when the tokens were
    /// issued for a resource of another origin. The backend's URL changed since it was authorized (an edit, mcp.json):
    /// its tokens must not go to a server they were not issued for. It answers 401, and is authorized again.
    /// </summary>
    /// <exception cref="BackendAuthorizationRequiredException">The tokens expired and could not be renewed.</exception>
    public async ValueTask<string?> GetAccessTokenAsync(ServerName backend, ConnectionOwner? owner, Uri? target, CancellationToken cancellationToken)
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

        if (target is not null && !IssuedFor(tokens.Client, target))
        {
            return null;
        }

        if (!NeedsRefresh(tokens) && !SaveDue(entry))
        {
            return tokens.AccessToken;
        }

        // The authorization server failed moments ago: it is not asked again on every call meanwhile.
        return WhilePaused(entry, tokens) is { } paused ? paused : await RefreshAsync(backend, owner, entry, tokens, cancellationToken);
    }

    // Tokens go only to the origin (scheme, host, port) of the resource they were issued for; discovery already refuses
    // a resource of another origin than the backend's URL at the time (BackendOAuthHttp.DiscoverAsync).
    private static bool IssuedFor(BackendOAuthClientRegistration client, Uri target) =>
        Uri.TryCreate(client.Resource, UriKind.Absolute, out var resource) && BackendOAuthHttp.SameOrigin(resource, target);

    /// <summary>The backend refused this access token of the owner (null: the shared one): the next request renews it first.</summary>
    public void Reject(ServerName backend, ConnectionOwner? owner, string accessToken)
    {
        if (_entries.TryGetValue(Key(backend, owner), out var entry) && entry.Tokens is { } tokens && tokens.AccessToken == accessToken)
        {
            entry.Tokens = tokens with { ExpiresAt = DateTimeOffset.MinValue };
        }
    }

    /// <summary>
    /// Forgets what is cached of the owner's tokens for the backend (null owner: its shared tokens, when it left the pool):
    /// the next request reads the store again. The entry
    /// itself stays, with its gate: a renewal still running with the old refresh token ends before the store is read
    /// again (two renewals of one refresh token never overlap in this process), and renewed tokens the store has not
    /// taken yet are offered to it on the next request, before any token is handed out (tokens the user obtained
    /// meanwhile win).
    /// </summary>
    public void Forget(ServerName backend, ConnectionOwner? owner)
    {
        if (_entries.TryGetValue(Key(backend, owner), out var entry))
        {
            Forget(entry);
        }
    }

    /// <summary>
    /// Forgets, as <see cref="Forget(ServerName, Nullable{ConnectionOwner})"/> does, what is cached of every user's own tokens for
    /// the per-user backend: it left the pool, and its users' rows went with its definition. A backend added again under
    /// the same name must not reach anyone with the tokens they had given the one removed.
    /// </summary>
    public void ForgetEveryOwner(ServerName backend)
    {
        var prefix = backend.Value + "/";
        foreach (var (key, entry) in _entries)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                Forget(entry);
            }
        }
    }

    private static void Forget(Entry entry)
    {
        // The generation first: a read of the store still under way then finds it changed and reads again, whichever
        // of the two it sees; cleared the other way round, it could mark the entry loaded with what it read before.
        Interlocked.Increment(ref entry.Generation);
        entry.Loaded = false;
        entry.Failure = null;
        entry.Pause = null;
        if (entry.Unsaved is { } unsaved)
        {
            entry.Unsaved = unsaved with { RetryAt = DateTimeOffset.MinValue };
        }
    }

    // Shared tokens under the backend's name; a user's own under "<backend>/<owner>" ('/' is never in a backend name).
    private static string Key(ServerName backend, ConnectionOwner? owner) => owner is { } o ? $"{backend.Value}/{o.Key}" : backend.Value;

    /// <summary>The backend refused this access token: the next request renews it first.</summary>
    public void Reject(ServerName backend, string accessToken) => Reject(backend, null, accessToken);

    public void Use(ServerName backend, BackendTokenSet? tokens)
    {
        var entry = _entries.GetOrAdd(backend.Value, static _ => new Entry());
        Interlocked.Increment(ref entry.Generation);
        entry.Tokens = tokens;
        entry.Unsaved = null;
        entry.Failure = null;
        entry.Pause = null;
        entry.Loaded = true;
    }

    private async Task LoadAsync(ServerName backend, ConnectionOwner? owner, Entry entry, CancellationToken cancellationToken)
    {
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            // Forgotten (or given new tokens) while the store was read: what was read may be from before the change that
            // was committed meanwhile (a revoked connection), so it is not kept, and the store is read again.
            while (!entry.Loaded)
            {
                var generation = Volatile.Read(ref entry.Generation);
                var tokens = await _rows.LoadAsync(backend, owner, cancellationToken);
                if (Volatile.Read(ref entry.Generation) == generation)
                {
                    entry.Tokens = tokens;
                    entry.Loaded = true;
                }
            }
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>
    /// Renews <paramref name="stale"/> (or saves renewed tokens the store has not taken yet), waiting for it no longer
    /// than the caller cares to.
    /// </summary>
    private async Task<string?> RefreshAsync(ServerName backend, ConnectionOwner? owner, Entry entry, BackendTokenSet stale, CancellationToken cancellationToken)
    {
        // The gate has one owner at a time. The caller waits for it as long as it cares to; once it is acquired, it
        // belongs to RenewAsync, which releases it when the renewal ends, whatever happens (an async method: even its
        // first line cannot throw past the hand-over). The caller then only waits for the outcome and may stop waiting;
        // the renewal, the save included, goes on under its own timeouts and still holds the gate (and, on PostgreSQL,
        // the replicas' lock) until it ends, so no second renewal with the same refresh token can begin meanwhile.
        await entry.Gate.WaitAsync(cancellationToken);
        return await RenewAsync(backend, owner, entry, stale).WaitAsync(cancellationToken);
    }

    /// <summary>The renewal itself, run with the gate held and released at its end; never cancelled by a caller.</summary>
    private async Task<string?> RenewAsync(ServerName backend, ConnectionOwner? owner, Entry entry, BackendTokenSet stale)
    {
        try
        {
            // The renewal this call waited for did it all already.
            if (entry.Tokens is { } current && !NeedsRefresh(current) && !SaveDue(entry))
            {
                return current.AccessToken;
            }

            // The refresh this call waited for failed for a passing reason: not asked again by each waiting call.
            if (WhilePaused(entry, entry.Tokens ?? stale) is { } paused)
            {
                return paused;
            }

            using var deadline = new CancellationTokenSource(RenewalTimeout, time);
            IAsyncDisposable? replicas = null;
            BackendTokenSet? stored;
            try
            {
                replicas = refreshLock is null ? null : await refreshLock.AcquireAsync(backend, owner, deadline.Token);

                // Renewed tokens not saved yet are what the store should hold: saved first (unless tokens stored
                // meanwhile win), so the refresh token spent next is never the one they replaced.
                if (entry.Unsaved is { } unsaved)
                {
                    stored = await SaveAsync(backend, owner, entry, unsaved, deadline.Token);
                    if (ReferenceEquals(stored, unsaved.Tokens))
                    {
                        LogSavedLate(logger, backend.Value, owner is null ? "shared" : "user");
                    }
                }
                else
                {
                    stored = await _rows.LoadAsync(backend, owner, deadline.Token);
                }
            }
            catch (Exception e) when (DatabaseAvailability.Classify(e) is not null && StillValid(stale))
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

            // What is stored, or this process's copy of it when they are the same tokens (a token the backend refused,
            // see Reject, stays marked as such).
            var known = stored.AccessToken == stale.AccessToken ? stale : stored;
            if (!NeedsRefresh(known))
            {
                // Another replica renewed them already, or there was only a save to catch up on.
                entry.Tokens = known;
                return known.AccessToken;
            }

            if (stored.RefreshToken is null)
            {
                return await DropAsync(backend, owner, entry, stored, "The backend's access token expired and it issued no refresh token. Authorize it again.");
            }

            TokenResponse renewed;
            try
            {
                renewed = await oauth.RefreshAsync(stored.Client, stored.RefreshToken, deadline.Token);
            }
            catch (BackendOAuthException e) when (RefusesGrant(e))
            {
                LogRefreshFailed(logger, backend.Value, owner is null ? "shared" : "user", e.Message);
                return await DropAsync(backend, owner, entry, stored, $"Renewing the backend's access token failed: {e.Message} Authorize it again.");
            }
            catch (Exception e) when (e is BackendOAuthException || (e is OperationCanceledException && deadline.IsCancellationRequested))
            {
                // Not a refusal: the tokens stay, and the refresh token is tried again once the pause is over.
                var reason = e is BackendOAuthException ? e.Message : $"The renewal did not end within {RenewalTimeout.TotalSeconds:0} seconds.";
                if (e is BackendOAuthException { Transient: false })
                {
                    LogRefreshNotRefused(logger, backend.Value, owner is null ? "shared" : "user", reason);
                }
                else
                {
                    LogRefreshDeferred(logger, backend.Value, owner is null ? "shared" : "user", reason);
                }

                entry.Tokens = known;
                entry.Pause = new RefreshPause(reason, time.GetUtcNow() + TransientRetryDelay);
                return StillValid(known) ? known.AccessToken : throw NotRenewed(reason);
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

            // In memory first: the authorization server may already have forgotten the refresh token just spent, so
            // these are the only tokens that work, whatever becomes of the save.
            entry.Tokens = next;
            entry.Pause = null;
            LogRefreshed(logger, backend.Value, owner is null ? "shared" : "user");
            using var saving = new CancellationTokenSource(SaveTimeout, time);
            try
            {
                return (await SaveAsync(backend, owner, entry, new UnsavedTokens(next, stored, now), saving.Token))?.AccessToken;
            }
            catch (Exception e)
            {
                // Kept in memory and marked unsaved (SaveAsync): used from here, and saved again in the background.
                LogSaveFailed(logger, backend.Value, owner is null ? "shared" : "user", e);
                return next.AccessToken;
            }
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>
    /// Saves renewed tokens over the tokens they were renewed from (compare-and-swap, <see cref="BackendTokenRows.SwapAsync"/>); when
    /// other tokens were stored meanwhile, those are taken up instead. Returns what the store holds now. When the save
    /// fails, the tokens stay marked unsaved and are offered to the store again after <see cref="TransientRetryDelay"/>:
    /// by the next use, and in the background until it takes them (<see cref="SaveUntilStoredAsync"/>).
    /// </summary>
    private async Task<BackendTokenSet?> SaveAsync(ServerName backend, ConnectionOwner? owner, Entry entry, UnsavedTokens unsaved, CancellationToken cancellationToken)
    {
        bool written;
        BackendTokenSet? stored;
        try
        {
            (written, stored) = await _rows.SwapAsync(backend, owner, unsaved.Basis, unsaved.Tokens, cancellationToken);
        }
        catch
        {
            entry.Unsaved = unsaved with { RetryAt = time.GetUtcNow() + TransientRetryDelay };
            SaveInBackground(backend, owner, entry);
            throw;
        }

        entry.Unsaved = null;
        if (!written)
        {
            entry.Tokens = stored;
            LogSuperseded(logger, backend.Value, owner is null ? "shared" : "user");
        }

        return stored;
    }

    /// <summary>
    /// Drops tokens the authorization server will not renew, unless other tokens were stored since the renewal began
    /// (an approval, a reconnect, another replica's renewal): those are taken up and used instead.
    /// </summary>
    /// <exception cref="BackendAuthorizationRequiredException">The tokens were dropped, with the reason kept for the status.</exception>
    private async Task<string?> DropAsync(ServerName backend, ConnectionOwner? owner, Entry entry, BackendTokenSet basis, string reason)
    {
        using var saving = new CancellationTokenSource(SaveTimeout, time);
        bool dropped;
        BackendTokenSet? stored;
        try
        {
            (dropped, stored) = await _rows.SwapAsync(backend, owner, basis, null, saving.Token);
        }
        catch
        {
            // Refused tokens are of no use here whatever the store says: the next renewal from the store drops them there.
            entry.Tokens = null;
            entry.Failure = reason;
            throw;
        }

        if (!dropped)
        {
            entry.Tokens = stored;
            LogSuperseded(logger, backend.Value, owner is null ? "shared" : "user");
            return stored?.AccessToken;
        }

        entry.Tokens = null;
        entry.Failure = reason;
        throw new BackendAuthorizationRequiredException(reason);
    }

    /// <summary>
    /// The authorization server refused the grant itself: the refresh token is spent, revoked or unknown
    /// (<c>invalid_grant</c>), or the gateway is no longer a client it renews for. Only then are tokens dropped.
    /// </summary>
    private static bool RefusesGrant(BackendOAuthException e) =>
        e.OAuthError is "invalid_grant" or "invalid_client" or "unauthorized_client";

    /// <summary>
    /// While a refresh that failed for a passing reason is paused: the token if it is still valid, else the failure.
    /// Null when there is no pause (the caller may renew).
    /// </summary>
    private string? WhilePaused(Entry entry, BackendTokenSet tokens) =>
        entry.Pause is not { } pause || time.GetUtcNow() >= pause.Until ? null
        : StillValid(tokens) ? tokens.AccessToken
        : throw NotRenewed(pause.Reason);

    // Renewed tokens wait to be saved, and their pause after the last failed save is over.
    private bool SaveDue(Entry entry) => entry.Unsaved is { } unsaved && time.GetUtcNow() >= unsaved.RetryAt;

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: the renewed OAuth tokens ({Credentials} credentials) could not be saved; they are used from memory and saved as soon as the database takes them")]
    private static partial void LogSaveFailed(ILogger logger, string server, string credentials, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: renewed OAuth tokens ({Credentials} credentials) that could not be saved before are saved now")]
    private static partial void LogSavedLate(ILogger logger, string server, string credentials);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: other OAuth tokens ({Credentials} credentials) were stored during a renewal (an approval, a reconnect or another replica); those are used")]
    private static partial void LogSuperseded(ILogger logger, string server, string credentials);
}
