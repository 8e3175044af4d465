namespace OneMcp.Infrastructure.Replication;

/// <summary>This replica's address for the others, and the heartbeat that tells them it is alive (ADR 0031).</summary>
public sealed record ReplicaOptions
{
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(5);

    /// <summary><c>--replica-url</c>: where the other replicas reach this one.</summary>
    public required Uri Url { get; init; }

    public TimeSpan HeartbeatInterval { get; init; } = DefaultHeartbeatInterval;

    /// <summary>A replica whose heartbeat is older than three heartbeats is gone.</summary>
    public TimeSpan StaleAfter => HeartbeatInterval * 3;

    /// <summary>
    /// How long recording a new session may hold up its first answer, or looking up an owner hold up a request,
    /// while the database is slow or down.
    /// </summary>
    public TimeSpan DatabaseTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
