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
}
