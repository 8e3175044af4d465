namespace OneMcp.Application.Audit;

/// <summary>A stored <see cref="AuditEntry"/> with its id (the paging key: ids only grow).</summary>
public sealed record AuditRecord(long Id, AuditEntry Entry);
