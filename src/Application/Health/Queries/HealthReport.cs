namespace OneMcp.Application.Health.Queries;

public sealed record HealthReport(HealthStatus Status, bool Ready, string Version, DateTimeOffset CheckedAt, IReadOnlyList<BackendHealth> Backends)
{
    public BackendCounts BackendCounts { get; init; } = new(0, 0, Backends?.Count ?? 0);
}
