namespace OneMcp.Application.Audit.Queries;

public sealed record ActivityBucket(DateTimeOffset Start, int Calls, int Errors, long P95Ms);
