namespace OneMcp.Application.Audit;

/// <summary>
/// Where audited events go. <see cref="Record"/> never blocks, never throws and never waits for storage: it runs on
/// the MCP hot path, and a slow or failed audit store must not slow down or fail a call. When the log cannot keep
/// up it drops entries and counts them (<see cref="IAuditLogStatistics"/>).
/// </summary>
public interface IAuditLog
{
    void Record(AuditEntry entry);
}

/// <summary>What a metrics adapter can read about the audit log's health.</summary>
public interface IAuditLogStatistics
{
    /// <summary>Entries dropped because the queue was full, since start-up.</summary>
    long Dropped { get; }
}

/// <summary>Who the current control-plane request acts for (implemented by the host: the HTTP caller).</summary>
public interface ICurrentUser
{
    AuditActor Actor { get; }
}

/// <summary>No audit log (tools such as <c>onemcp users</c>): every entry is discarded.</summary>
public sealed class NullAuditLog : IAuditLog, IAuditLogStatistics
{
    public static readonly NullAuditLog Instance = new();

    public long Dropped => 0;

    public void Record(AuditEntry entry)
    {
    }
}

/// <summary>No caller (a command run by the host itself, such as the first admin from the environment).</summary>
public sealed class NoCurrentUser : ICurrentUser
{
    public AuditActor Actor => AuditActor.Anonymous;
}
