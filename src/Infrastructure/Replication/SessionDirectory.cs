using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Replication;

namespace OneMcp.Infrastructure.Replication;

/// <summary>
/// Which replica holds each legacy session (ADR 0031): the sessions of this process, recorded in
/// <c>session_owners</c> when the SDK starts one and forgotten when it ends, and the owners of other replicas'
/// sessions as looked up, cached in memory (bounded) so relaying goes on while the database is briefly unreachable.
/// </summary>
public sealed partial class SessionDirectory(ReplicaStore store, ReplicaIdentity identity, ReplicaOptions options, ILogger<SessionDirectory> logger)
{
    /// <summary>Owners remembered at most; past it the cache starts over (each entry is one lookup away).</summary>
    internal const int MaxCachedOwners = 10_000;

    // A session of this replica (nearly every request): one answer for all, not a task of its own per request.
    private static readonly Task<(SessionRoute Route, SessionOwner? Owner)> s_local = Task.FromResult<(SessionRoute, SessionOwner?)>((SessionRoute.Local, null));

    private readonly ConcurrentDictionary<string, byte> _local = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SessionOwner> _owners = new(StringComparer.Ordinal);

    // One per replica relayed to, cancelled once the heartbeats show it gone: a hop to a replica whose host died
    // without closing its connections would otherwise wait forever (the relay client has no overall timeout).
    private readonly ConcurrentDictionary<string, GoneSignal> _goneSignals = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, DateTimeOffset> _heartbeats = new Dictionary<string, DateTimeOffset>();
    private DateTimeOffset _heartbeatsObservedAt = DateTimeOffset.MinValue;

    public bool IsLocal(string sessionId) => _local.ContainsKey(sessionId);

    /// <summary>True when <paramref name="replicaId"/> names this replica (a retry whose waiting call is here needs no lookup).</summary>
    public bool IsThisReplica(string replicaId) => string.Equals(replicaId, identity.Id, StringComparison.Ordinal);

    /// <summary>The sessions of this process.</summary>
    public IReadOnlyCollection<string> LocalSessions => [.. _local.Keys];

    /// <summary>
    /// Records that this replica holds the session, and forgets it when the returned handle is disposed (the session
    /// ended). Bounded by <see cref="ReplicaOptions.DatabaseTimeout"/>: with the database down the session still
    /// works here, only other replicas cannot relay to it.
    /// </summary>
    public async Task<IAsyncDisposable> OwnAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        _local[sessionId] = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.DatabaseTimeout);
        try
        {
            await store.RecordSessionAsync(sessionId, identity.Id, timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogRecordFailed(logger, e);
        }

        return new Ownership(this, sessionId);
    }

    /// <summary>Where a request for <paramref name="sessionId"/> goes, and the owner when it goes elsewhere.</summary>
    public Task<(SessionRoute Route, SessionOwner? Owner)> RouteAsync(string sessionId, bool cameOverHop, CancellationToken cancellationToken) =>
        IsLocal(sessionId) || cameOverHop ? s_local : LookUpRouteAsync(sessionId, cancellationToken);

    private async Task<(SessionRoute Route, SessionOwner? Owner)> LookUpRouteAsync(string sessionId, CancellationToken cancellationToken)
    {
        var owner = WithLatestHeartbeat(await FindAsync(sessionId, cancellationToken));
        return (SessionRouting.Decide(false, false, owner, identity.Id, options.StaleAfter), owner);
    }

    /// <summary>
    /// Where a multi-round-trip retry goes whose <c>requestState</c> names <paramref name="replicaId"/> as holding
    /// the waiting call: here, relayed to that replica, or <see cref="SessionRoute.OwnerGone"/> when it has no row,
    /// a stale heartbeat, or cannot be looked up (the bridge here then answers that the state is no longer valid).
    /// </summary>
    public async Task<(SessionRoute Route, SessionOwner? Owner)> RouteToReplicaAsync(string replicaId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replicaId);
        SessionOwner? replica = null;
        if (!IsThisReplica(replicaId))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.DatabaseTimeout);
            try
            {
                replica = WithLatestHeartbeat(await store.FindReplicaAsync(replicaId, timeout.Token));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogReplicaLookupFailed(logger, e);
            }
        }

        return (SessionRouting.DecideRetry(replicaId, replica, identity.Id, options.StaleAfter), replica);
    }

    /// <summary>The owner turned out gone or refused the hop: forget it here and in the database.</summary>
    public async Task ForgetOwnerAsync(string sessionId, SessionOwner owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        _owners.TryRemove(sessionId, out _);
        try
        {
            await store.ForgetSessionAsync(sessionId, owner.ReplicaId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogForgetFailed(logger, e);
        }
    }

    /// <summary>The replicas' heartbeats as just read (by the heartbeat loop): how the cached owners are judged alive or gone.</summary>
    internal void ObserveHeartbeats(IReadOnlyDictionary<string, DateTimeOffset> heartbeats, DateTimeOffset observedAt)
    {
        _heartbeats = heartbeats;
        _heartbeatsObservedAt = observedAt;
        foreach (var (replicaId, signal) in _goneSignals)
        {
            // Read before a lookup that found it alive (it registered meanwhile): the next heartbeat decides.
            if (observedAt > signal.AliveAt
                && (!heartbeats.TryGetValue(replicaId, out var heartbeat) || observedAt - heartbeat > options.StaleAfter)
                && _goneSignals.TryRemove(KeyValuePair.Create(replicaId, signal)))
            {
                // Not disposed: a relay may be linking to its token right now; it holds no timer.
                signal.Gone.Cancel();
            }
        }
    }

    /// <summary>
    /// Cancelled once the heartbeats show <paramref name="replica"/> gone (no row, or a stale heartbeat, read after this lookup found it alive): what a hop
    /// to it in flight waits on, so that a replica that went silent mid-answer ends the wait.
    /// </summary>
    public CancellationToken GoneToken(SessionOwner replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        var signal = _goneSignals.GetOrAdd(replica.ReplicaId, static _ => new GoneSignal());
        signal.SeenAlive(replica.ObservedAt);
        return signal.Gone.Token;
    }

    private async Task<SessionOwner?> FindAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (_owners.TryGetValue(sessionId, out var cached))
        {
            return cached;
        }

        SessionOwner? owner;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.DatabaseTimeout);
        try
        {
            owner = await store.FindOwnerAsync(sessionId, timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Not cached and not readable: nobody is known to hold it, and the SDK answers as for any unknown session.
            LogLookupFailed(logger, e);
            return null;
        }

        if (owner is not null)
        {
            if (_owners.Count >= MaxCachedOwners)
            {
                _owners.Clear();
            }

            _owners[sessionId] = owner;
        }

        return owner;
    }

    private SessionOwner? WithLatestHeartbeat(SessionOwner? owner)
    {
        if (owner is null || _heartbeatsObservedAt <= owner.ObservedAt)
        {
            return owner;
        }

        // The heartbeat loop read the replicas after this owner was cached: a missing row means the replica is gone.
        return _heartbeats.TryGetValue(owner.ReplicaId, out var heartbeat)
            ? owner with { HeartbeatAt = heartbeat, ObservedAt = _heartbeatsObservedAt }
            : owner with { Url = null, ObservedAt = _heartbeatsObservedAt };
    }

    private async Task ForgetLocalAsync(string sessionId)
    {
        _local.TryRemove(sessionId, out _);
        try
        {
            using var timeout = new CancellationTokenSource(options.DatabaseTimeout);
            await store.ForgetSessionAsync(sessionId, identity.Id, timeout.Token);
        }
        catch (Exception e)
        {
            // The row outlives the session: another replica relaying to it gets the SDK's unknown-session answer.
            LogForgetFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record this replica as the session's owner; other replicas cannot relay to it")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove a session's owner from the database")]
    private static partial void LogForgetFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look up the replica holding a request's waiting call")]
    private static partial void LogReplicaLookupFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look up which replica holds a session")]
    private static partial void LogLookupFailed(ILogger logger, Exception exception);

    /// <summary>A replica relayed to: cancelled once seen gone, by a heartbeat reading later than any lookup that found it alive.</summary>
    private sealed class GoneSignal
    {
        private long _aliveAtTicks = DateTimeOffset.MinValue.UtcTicks;

        public CancellationTokenSource Gone { get; } = new();

        public DateTimeOffset AliveAt => new(Interlocked.Read(ref _aliveAtTicks), TimeSpan.Zero);

        public void SeenAlive(DateTimeOffset at)
        {
            var ticks = at.UtcTicks;
            var seen = Interlocked.Read(ref _aliveAtTicks);
            while (ticks > seen && Interlocked.CompareExchange(ref _aliveAtTicks, ticks, seen) is var was && was != seen)
            {
                seen = was;
            }
        }
    }

    private sealed class Ownership(SessionDirectory directory, string sessionId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(directory.ForgetLocalAsync(sessionId));
    }
}
