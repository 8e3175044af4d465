namespace OneMcp.Application.Replication;

/// <summary>
/// The replica that holds a legacy session, as last read from the database: its id and address (null when the
/// replica has no row any more), its last heartbeat, and when that was read (<paramref name="ObservedAt"/>).
/// </summary>
public sealed record SessionOwner(string ReplicaId, Uri? Url, DateTimeOffset? HeartbeatAt, DateTimeOffset ObservedAt);
