namespace OneMcp.Application.Replication;

/// <summary>
/// This process among the replicas sharing one database: a fresh id at every start (a restarted replica is a
/// new one; what the old one owned, such as its sessions, is gone with it).
/// </summary>
public sealed class ReplicaIdentity
{
    public string Id { get; } = Guid.NewGuid().ToString("N");
}
