using MediatR;

namespace OneMcp.Application.Audit.Queries;

public sealed class GetAuditSummaryHandler(IAuditRepository audit, TimeProvider time) : IRequestHandler<GetAuditSummaryQuery, AuditSummary>
{
    internal static readonly TimeSpan Window = TimeSpan.FromHours(1);
    internal static readonly TimeSpan Bucket = TimeSpan.FromMinutes(5);

    // An hour of a very busy gateway is summarised from its most recent calls rather than read without bound.
    private const int MaxCalls = 200_000;

    public async Task<AuditSummary> Handle(GetAuditSummaryQuery request, CancellationToken cancellationToken)
    {
        var to = time.GetUtcNow();
        var from = to - Window;
        var calls = await audit.CallsSinceAsync(from, request.OwnSubject, MaxCalls, cancellationToken);
        var buckets = (int)(Window / Bucket);
        var reached = request.Backends;
        var backends = calls
            .Where(c => c.Backend is not null && (reached is null || reached.Contains(c.Backend)))
            .GroupBy(c => c.Backend!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new BackendActivity(
                g.Key,
                g.Count(),
                g.Count(c => c.Outcome == AuditOutcomes.Failure),
                P95(g),
                [.. Enumerable.Range(0, buckets).Select(i =>
                {
                    var start = from + (Bucket * i);
                    var end = start + Bucket;
                    var inside = g.Where(c => c.Time >= start && (c.Time < end || (i == buckets - 1 && c.Time <= end))).ToList();
                    return new ActivityBucket(start, inside.Count, inside.Count(c => c.Outcome == AuditOutcomes.Failure), P95(inside));
                })]))
            .ToList();
        return new AuditSummary(from, to, (int)Bucket.TotalMinutes, backends);
    }

    /// <summary>Nearest-rank 95th percentile of the durations (0 for no calls).</summary>
    internal static long P95(IEnumerable<AuditEntry> calls)
    {
        var sorted = calls.Select(c => c.DurationMs).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1];
    }
}
