namespace OneMcp.Application.Replication;

/// <summary>
/// Decides where a request for a legacy session goes (ADR 0031). A replica is gone when, at the moment its row
/// was last read, its heartbeat was older than <c>staleAfter</c>: judged against the time of that reading, not
/// against now, so while the database cannot be reached the last known owners keep being relayed to (a dead one
/// then refuses the connection).
/// </summary>
public static class SessionRouting
{
    public static SessionRoute Decide(bool isLocal, bool cameOverHop, SessionOwner? owner, string selfId, TimeSpan staleAfter)
    {
        ArgumentNullException.ThrowIfNull(selfId);
        if (isLocal || cameOverHop)
        {
            // A hop is never relayed again: no loops, whatever the database says.
            return SessionRoute.Local;
        }

        if (owner is null)
        {
            return SessionRoute.Unknown;
        }

        if (owner.ReplicaId == selfId)
        {
            // Recorded as ours but no longer in this process: it ended; the SDK answers for it.
            return SessionRoute.Unknown;
        }

        return owner.Url is null || owner.HeartbeatAt is not { } heartbeat || owner.ObservedAt - heartbeat > staleAfter
            ? SessionRoute.OwnerGone
            : SessionRoute.Relay;
    }

    /// <summary>
    /// Where a 2026-07-28 multi-round-trip retry goes whose <c>requestState</c> names <paramref name="replicaId"/> as
    /// holding the waiting call (<paramref name="replica"/>: that replica as read, null when it has no row or could
    /// not be read): served here when it is this process, relayed to a live one, otherwise
    /// <see cref="SessionRoute.OwnerGone"/> (served here too, where the bridge says the state is no longer valid).
    /// </summary>
    public static SessionRoute DecideRetry(string replicaId, SessionOwner? replica, string selfId, TimeSpan staleAfter)
    {
        ArgumentNullException.ThrowIfNull(replicaId);
        ArgumentNullException.ThrowIfNull(selfId);
        if (string.Equals(replicaId, selfId, StringComparison.Ordinal))
        {
            return SessionRoute.Local;
        }

        return replica is null ? SessionRoute.OwnerGone : Decide(false, false, replica, selfId, staleAfter);
    }
}
