namespace OneMcp.Application.Audit.Queries;

public sealed record AuditPage(IReadOnlyList<AuditItem> Items, string? NextCursor);
