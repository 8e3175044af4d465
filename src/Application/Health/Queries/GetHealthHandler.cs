using MediatR;
using OneMcp.Application.Backends;

namespace OneMcp.Application.Health.Queries;

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
                request.ForMember ? BackendErrorRedaction.ForMember(b.State.LastError, b.Settings) : b.State.LastError,
                b.State.LastConnectedAt,
                b.State.Restarts,
                b.Capabilities.Tools.Count,
                [.. b.Settings.Tags.Select(t => t.Value)])
            {
                ProtocolVersion = b.State.ProtocolVersion,
            })
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
