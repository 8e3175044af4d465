namespace OneMcp.Application.Audit;

/// <summary>What a metrics adapter can read about the audit log's health.</summary>
public interface IAuditLogStatistics
{
    /// <summary>Entries dropped because the queue was full, since start-up.</summary>
    long Dropped { get; }
}
