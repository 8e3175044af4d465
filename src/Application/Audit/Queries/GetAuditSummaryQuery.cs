using MediatR;

namespace OneMcp.Application.Audit.Queries;

/// <summary>
/// Per backend, the calls, errors and 95th-percentile latency of the last hour, in twelve five-minute buckets:
/// the numbers the dashboard's activity chart draws. <paramref name="OwnSubject"/> set (a member): their calls only.
/// </summary>
public sealed record GetAuditSummaryQuery(string? OwnSubject = null) : IRequest<AuditSummary>;
