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
