using MediatR;

namespace OneMcp.Application.Audit.Queries;

/// <summary>
/// Per backend, the calls, errors and 95th-percentile latency of the last hour, in twelve five-minute buckets:
/// the numbers the dashboard's activity chart draws. <paramref name="OwnSubject"/> set (a member): their calls only.
/// <paramref name="Backends"/> set (what a token reaches under scope validation): those backends only.
/// </summary>
public sealed record GetAuditSummaryQuery(string? OwnSubject = null, IReadOnlySet<string>? Backends = null) : IRequest<AuditSummary>;
