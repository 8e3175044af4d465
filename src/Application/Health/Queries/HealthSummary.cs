namespace OneMcp.Application.Health.Queries;

/// <summary>
/// What an anonymous caller learns of <see cref="HealthReport"/> with auth on: the status and how many backends are
/// connected, never which backends exist or why one fails (names and errors map the gateway's surroundings).
/// </summary>
public sealed record HealthSummary(HealthStatus Status, bool Ready, DateTimeOffset CheckedAt, BackendCounts BackendCounts)
{
    public static HealthSummary Of(HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new HealthSummary(report.Status, report.Ready, report.CheckedAt, report.BackendCounts);
    }
}
