using System.Text.Json.Serialization;
using MediatR;
using OneMcp.Application.Health.Queries;

namespace OneMcp.Api.Health;

internal static class HealthEndpoints
{
    public static void MapHealth(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/health").WithTags("Health");

        group.MapGet("", async (IMediator mediator, CancellationToken ct) =>
        {
            var report = await mediator.Send(new GetHealthQuery(), ct);
            return Results.Json(report, HealthJson.Options, statusCode: report.Status == HealthStatus.Unhealthy ? 503 : 200);
        });

        // Liveness: the process answers. Never depends on backends, so an orchestrator does not restart a
        // healthy gateway because a backend is down.
        group.MapGet("/live", () => Results.Json(new { status = "alive" }));

        group.MapGet("/ready", async (IMediator mediator, CancellationToken ct) =>
        {
            var report = await mediator.Send(new GetHealthQuery(), ct);
            return Results.Json(
                new { status = report.Ready ? "ready" : "not_ready", report.Backends },
                HealthJson.Options,
                statusCode: report.Ready ? 200 : 503);
        });
    }

    private static class HealthJson
    {
        public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
        {
            Converters = { new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase) },
        };
    }
}
