namespace OneMcp.Application.Audit.Queries;

public sealed record AuditSummary(DateTimeOffset From, DateTimeOffset To, int BucketMinutes, IReadOnlyList<BackendActivity> Backends);
