namespace OneMcp.Application.Audit.Queries;

public sealed record BackendActivity(string Backend, int Calls, int Errors, long P95Ms, IReadOnlyList<ActivityBucket> Buckets);
