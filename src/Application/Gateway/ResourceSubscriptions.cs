using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway;

/// <summary>
/// Resource subscriptions of all sessions. The backend connection is shared, so the gateway subscribes
/// once per backend resource and unsubscribes when the last interested session leaves.
/// Each backend resource has its own gate, held across that resource's backend call only: the count and the
/// backend's subscription change together, while a slow backend never holds up another resource (or another
/// backend). One session follows at most <see cref="MaxPerSession"/> resources by default, so one client cannot
/// make the gateway hold unbounded state and backend subscriptions.
/// </summary>
public sealed class ResourceSubscriptions(int maxPerSession = ResourceSubscriptions.MaxPerSession) : IDisposable
{
    /// <summary>The default number of resources one session may follow at once.</summary>
    public const int MaxPerSession = 1000;

    // Guards the two dictionaries below; never held across an await.
    private readonly Lock _lock = new();
    private readonly Dictionary<(ServerName Server, string Uri), Entry> _entries = [];
    private readonly Dictionary<string, int> _perSession = new(StringComparer.Ordinal);

    public async ValueTask SubscribeAsync(GatewaySession session, IBackendConnection backend, string uri, string prefixedUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(backend);
        if (session.IsSubscribed(prefixedUri))
        {
            return;
        }

        // The slot is taken before anything changes, so a request over the cap changes nothing.
        ReserveSlot(session.Id);
        var key = KeyOf(backend, uri);
        var entry = await EnterAsync(key, cancellationToken);
        var counted = false;
        try
        {
            if (!session.AddSubscription(prefixedUri))
            {
                return;
            }

            if (entry.Subscribers == 0)
            {
                try
                {
                    await backend.SubscribeAsync(uri, cancellationToken);
                }
                catch
                {
                    session.RemoveSubscription(prefixedUri);
                    throw;
                }
            }

            entry.Subscribers++;
            counted = true;
        }
        finally
        {
            Leave(key, entry);
            if (!counted)
            {
                FreeSlot(session.Id);
            }
        }
    }

    public async ValueTask UnsubscribeAsync(GatewaySession session, IBackendConnection backend, string uri, string prefixedUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(backend);
        var key = KeyOf(backend, uri);
        var entry = await EnterAsync(key, cancellationToken);
        try
        {
            if (session.RemoveSubscription(prefixedUri))
            {
                FreeSlot(session.Id);
                await ReleaseAsync(entry, backend, uri, cancellationToken);
            }
        }
        finally
        {
            Leave(key, entry);
        }
    }

    /// <summary>
    /// The key a session's subscription is kept under: the prefixed URI whatever names the session sees, so that updates
    /// and the release of an ended session find their backend the same way for <c>/mcp</c> and <c>/mcp/&lt;server&gt;</c>;
    /// null for no URI at all.
    /// </summary>
    public static string? KeyOf(GatewaySession session, string? exposedUri)
    {
        ArgumentNullException.ThrowIfNull(session);
        return string.IsNullOrEmpty(exposedUri) ? null
            : session.OnlyBackend is { } only ? CapabilityName.Compose(only, exposedUri)
            : exposedUri;
    }

    /// <summary>
    /// Unsubscribes a session from a resource it follows on a backend it cannot reach now (reconnecting, removed, or out
    /// of its sight): the session stops following it, and the count goes as when the session ends, so a backend that
    /// comes back is not subscribed again for it.
    /// </summary>
    /// <exception cref="ModelContextProtocol.McpProtocolException">The session does not follow <paramref name="exposedUri"/>.</exception>
    public async ValueTask UnsubscribeUnreachableAsync(GatewaySession session, IBackendPool pool, string exposedUri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (KeyOf(session, exposedUri) is not { } prefixed || !session.RemoveSubscription(prefixed))
        {
            throw GatewayErrors.UnknownResource(exposedUri);
        }

        FreeSlot(session.Id);
        await ReleaseAsync(Connections.ConnectionOwner.Of(session.Actor), pool, prefixed, cancellationToken);
    }

    /// <summary>Drops every subscription of a session that closed.</summary>
    public async ValueTask ReleaseSessionAsync(GatewaySession session, IBackendPool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(pool);
        var prefixedUris = session.TakeSubscriptions();
        lock (_lock)
        {
            _perSession.Remove(session.Id);
        }

        var owner = Connections.ConnectionOwner.Of(session.Actor);
        foreach (var prefixed in prefixedUris)
        {
            await ReleaseAsync(owner, pool, prefixed, cancellationToken);
        }
    }

    // One resource a session no longer follows (its key, the prefixed URI): the backend is unsubscribed when it was
    // the last subscriber and the backend is connected; otherwise only the count goes.
    private async ValueTask ReleaseAsync(Connections.ConnectionOwner owner, IBackendPool pool, string prefixed, CancellationToken cancellationToken)
    {
        if (!CapabilityName.TryParse(prefixed, out var server, out var uri))
        {
            return;
        }

        if (pool.TryGet(server, out var backend) && !backend.Settings.IsPerUser)
        {
            var key = (backend.Name, uri);
            var entry = await EnterAsync(key, cancellationToken);
            try
            {
                await ReleaseAsync(entry, backend, uri, cancellationToken);
            }
            finally
            {
                Leave(key, entry);
            }

            return;
        }

        // A per-user backend's subscription is on the user's own connection, which keeps it until it idles out; a
        // removed backend has no connection left. Only the count goes: kept, it would stop the user's next session
        // from subscribing the connection that runs then (a restarted instance would never send its updates).
        if (!await DropCountAsync((server, OwnedUri(owner, uri)), cancellationToken))
        {
            await DropCountAsync((server, uri), cancellationToken);
        }
    }

    // False when nobody counts on the resource under that key.
    private async ValueTask<bool> DropCountAsync((ServerName Server, string Uri) key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_entries.ContainsKey(key))
            {
                return false;
            }
        }

        var entry = await EnterAsync(key, cancellationToken);
        try
        {
            if (entry.Subscribers > 0)
            {
                entry.Subscribers--;
            }
        }
        finally
        {
            Leave(key, entry);
        }

        return true;
    }

    /// <summary>
    /// Subscribes a reconnected backend again to every resource sessions still follow on it; a user's own connection to a
    /// per-user backend (started again after idling out, or after a crash) to every resource that user's sessions follow.
    /// </summary>
    public async ValueTask ResubscribeAsync(IBackendConnection backend, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (!backend.Capabilities.SupportsResourceSubscribe)
        {
            return;
        }

        // A user's counts are kept under "<owner> <uri>" (KeyOf); the backend is asked for the URI alone.
        var owned = backend is Connections.IUserBackendConnection own ? OwnedUri(own.Owner, string.Empty) : null;
        List<string> keys;
        lock (_lock)
        {
            keys = [.. _entries
                .Where(e => e.Key.Server == backend.Name && e.Value.Subscribers > 0 && (owned is null || e.Key.Uri.StartsWith(owned, StringComparison.Ordinal)))
                .Select(e => e.Key.Uri)];
        }

        foreach (var keyUri in keys)
        {
            var key = (backend.Name, keyUri);
            var entry = await EnterAsync(key, cancellationToken);
            try
            {
                // Checked again under the resource's gate: the last subscriber may have left meanwhile.
                if (entry.Subscribers > 0)
                {
                    await backend.SubscribeAsync(owned is null ? keyUri : keyUri[owned.Length..], cancellationToken);
                }
            }
            finally
            {
                Leave(key, entry);
            }
        }
    }

    // A user's own connection to a per-user backend is subscribed for that user alone: their count is their own.
    private static (ServerName Server, string Uri) KeyOf(IBackendConnection backend, string uri) =>
        (backend.Name, backend is Connections.IUserBackendConnection own ? OwnedUri(own.Owner, uri) : uri);

    private static string OwnedUri(Connections.ConnectionOwner owner, string uri) => $"{owner.Key} {uri}";

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var entry in _entries.Values)
            {
                entry.Gate.Dispose();
            }

            _entries.Clear();
        }
    }

    private static async ValueTask ReleaseAsync(Entry entry, IBackendConnection backend, string uri, CancellationToken cancellationToken)
    {
        if (entry.Subscribers > 1)
        {
            entry.Subscribers--;
            return;
        }

        entry.Subscribers = 0;
        if (backend.State.Status == BackendStatus.Connected)
        {
            await backend.UnsubscribeAsync(uri, cancellationToken);
        }
    }

    private void ReserveSlot(string sessionId)
    {
        lock (_lock)
        {
            var count = _perSession.GetValueOrDefault(sessionId);
            if (count >= maxPerSession)
            {
                throw GatewayErrors.TooManySubscriptions(maxPerSession);
            }

            _perSession[sessionId] = count + 1;
        }
    }

    private void FreeSlot(string sessionId)
    {
        lock (_lock)
        {
            var count = _perSession.GetValueOrDefault(sessionId);
            if (count <= 1)
            {
                _perSession.Remove(sessionId);
            }
            else
            {
                _perSession[sessionId] = count - 1;
            }
        }
    }

    // Finds or makes the resource's entry and counts this caller in it before waiting, so the entry cannot be
    // dropped while someone waits for its gate.
    private async ValueTask<Entry> EnterAsync((ServerName Server, string Uri) key, CancellationToken cancellationToken)
    {
        Entry? entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out entry))
            {
                entry = new Entry();
                _entries[key] = entry;
            }

            entry.Holders++;
        }

        try
        {
            await entry.Gate.WaitAsync(cancellationToken);
        }
        catch
        {
            Forget(key, entry);
            throw;
        }

        return entry;
    }

    private void Leave((ServerName Server, string Uri) key, Entry entry)
    {
        entry.Gate.Release();
        Forget(key, entry);
    }

    // An entry nobody follows and nobody waits for is dropped, so the table holds only live resources.
    private void Forget((ServerName Server, string Uri) key, Entry entry)
    {
        lock (_lock)
        {
            entry.Holders--;
            if (entry.Holders == 0 && entry.Subscribers == 0 && _entries.Remove(key))
            {
                entry.Gate.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Sessions following the resource; changed only by the holder of <see cref="Gate"/>.</summary>
        public int Subscribers { get; set; }

        /// <summary>Callers holding or waiting for <see cref="Gate"/>; changed only under the table's lock.</summary>
        public int Holders { get; set; }
    }
}
