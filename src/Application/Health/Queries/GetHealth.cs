using MediatR;
using OneMcp.Application.Backends;

namespace OneMcp.Application.Health.Queries;

public sealed record GetHealthQuery : IRequest<HealthReport>;

public enum HealthStatus
{
    /// <summary>Every enabled backend is connected.</summary>
    Healthy,
    /// <summary>The gateway serves, but some enabled backends are not connected.</summary>
    Degraded,
    /// <summary>Still loading, or no enabled backend is connected.</summary>
    Unhealthy,
}

public sealed record BackendHealth(string Name, string Transport, string Status, string? Error, DateTimeOffset? LastConnectedAt, int Restarts, int Tools, IReadOnlyList<string> Tags);

/// <summary>How many backends there are, are enabled and are connected: what anyone may know of them.</summary>
public sealed record BackendCounts(int Connected, int Enabled, int Total);

public sealed record HealthReport(HealthStatus Status, bool Ready, string Version, DateTimeOffset CheckedAt, IReadOnlyList<BackendHealth> Backends)
{
    public BackendCounts BackendCounts { get; init; } = new(0, 0, Backends?.Count ?? 0);
}

public sealed class GetHealthHandler(IBackendPool pool, TimeProvider time) : IRequestHandler<GetHealthQuery, HealthReport>
{
    public const string Version = "0.1.0";

    public Task<HealthReport> Handle(GetHealthQuery request, CancellationToken cancellationToken)
    {
        var backends = pool.Backends
            .Select(b => new BackendHealth(
                b.Name.Value,
                b.Settings.Transport.ToString(),
                b.State.Status.ToString(),
                b.State.LastError,
                b.State.LastConnectedAt,
                b.State.Restarts,
                b.Capabilities.Tools.Count,
                [.. b.Settings.Tags.Select(t => t.Value)]))
            .ToList();

        var enabled = pool.Backends.Where(b => b.State.Status != BackendStatus.Disabled).ToList();
        var connected = enabled.Count(b => b.State.Status == BackendStatus.Connected);
        var status = !pool.InitialLoadCompleted || (enabled.Count > 0 && connected == 0)
            ? HealthStatus.Unhealthy
            : connected == enabled.Count ? HealthStatus.Healthy : HealthStatus.Degraded;

        // Not ready while loading, and while a supervised backend is restarting or crash-looping:
        // a load balancer should send new sessions elsewhere until it is back.
        var ready = pool.InitialLoadCompleted
            && !enabled.Any(b => b.State.Status is BackendStatus.Restarting or BackendStatus.CrashLoop);

        return Task.FromResult(new HealthReport(status, ready, Version, time.GetUtcNow(), backends)
        {
            BackendCounts = new BackendCounts(connected, enabled.Count, backends.Count),
        });
    }
}
