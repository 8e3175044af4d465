using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.PerUser;

/// <summary>
/// One user's running connection to a per-user backend, as the engine gets it from
/// <see cref="IPerUserBackends.ForOwnerAsync"/>: the calls go to that user's own <see cref="BackendConnection"/>, and
/// each call counts as use, from its start to its end, so an instance is never stopped as idle in the middle of one.
/// Its settings are the entry's (the definition, metadata current, references unresolved): the user's values stay
/// inside the connection.
/// </summary>
internal sealed class PerUserInstance(PerUserBackendConnection entry, ConnectionOwner owner, TimeProvider time) : IUserBackendConnection
{
    private int _inFlight;
    private bool _authorizationLost;
    private long _lastUsedTicks = time.GetUtcNow().UtcTicks;

    /// <summary>The user's connection (a <see cref="BackendConnection"/>); set once it is built (their secrets are resolved in it).</summary>
    public IPooledBackend? Connection { get; set; }

    /// <summary>Fires when the instance may have been unused for the idle timeout.</summary>
    public ITimer? IdleTimer { get; set; }

    /// <summary>Completes with this instance once it has made its first connect attempts, or fails when it cannot run for the user.</summary>
    public Task<IBackendConnection>? Ready { get; set; }

    public ConnectionOwner Owner => owner;

    public ServerName Name => entry.Name;

    public BackendSettings Settings => entry.Settings;

    public BackendState State => Connection?.State ?? new BackendState(BackendStatus.Connecting, null, null, 0);

    public BackendCapabilities Capabilities => Connection?.Capabilities ?? BackendCapabilities.Empty;

    /// <summary>
    /// True once a call failed because the user's OAuth tokens could not be renewed: the connection may still look
    /// connected (its session outlives the tokens), but no call through it can succeed until the user connects again.
    /// </summary>
    public bool AuthorizationLost
    {
        get => Volatile.Read(ref _authorizationLost);
        private set => Volatile.Write(ref _authorizationLost, value);
    }

    /// <summary>True while a call runs on it.</summary>
    public bool InUse => Volatile.Read(ref _inFlight) > 0;

    public DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);

    public void Touch() => Interlocked.Exchange(ref _lastUsedTicks, time.GetUtcNow().UtcTicks);

    public ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken) =>
        UseAsync(c => c.CallToolAsync(request, progress, cancellationToken));

    public ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken) =>
        UseAsync(c => c.ReadResourceAsync(request, cancellationToken));

    public ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken) =>
        UseAsync(c => c.GetPromptAsync(request, cancellationToken));

    public ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken) =>
        UseAsync(c => c.CompleteAsync(request, cancellationToken));

    public async ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken) =>
        await UseAsync(async c =>
        {
            await c.SubscribeAsync(uri, cancellationToken);
            return true;
        });

    public async ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken) =>
        await UseAsync(async c =>
        {
            await c.UnsubscribeAsync(uri, cancellationToken);
            return true;
        });

    private async ValueTask<T> UseAsync<T>(Func<IPooledBackend, ValueTask<T>> call)
    {
        var connection = Connection ?? throw new InvalidOperationException($"The connection of '{owner}' to '{Name}' is not built yet.");
        Interlocked.Increment(ref _inFlight);
        Touch();
        try
        {
            return await call(connection);
        }
        catch (Exception e) when (BackendFailures.IsAuthorizationRequired(e))
        {
            // The user's tokens could not be renewed (withdrawn at the backend's authorization server, refused): this call
            // is refused as for a user who never connected, and the next one does not come here but is told the same
            // (PerUserBackendConnection.ForOwnerAsync), which stops this connection.
            AuthorizationLost = true;
            throw new UserConnectionRequiredException(Name, PerUserBackendConnection.AuthorizationLostMessage, e);
        }
        finally
        {
            Touch();
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
