namespace OneMcp.Application.Audit;

/// <summary>No audit log (tools such as <c>onemcp users</c>): every entry is discarded.</summary>
public sealed class NullAuditLog : IAuditLog, IAuditLogStatistics
{
    public static readonly NullAuditLog Instance = new();

    public long Dropped => 0;

    public void Record(AuditEntry entry)
    {
    }
}
