using MediatR;
using OneMcp.Application.Backends;
using OneMcp.Application.Backends.Commands;
using OneMcp.Application.Backends.Queries;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Endpoints;

internal static class BackendEndpoints
{
    public static void MapBackends(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/backends").WithTags("Backends");

        // Under scope validation a token lists only the backends its grant reaches; the others do not exist for it.
        group.MapGet("", async (HttpContext context, IMediator mediator, CancellationToken ct) =>
                (await mediator.Send(new ListBackendsQuery(FlagUntagged: ScopeGrants.ScopeValidation(context)), ct))
                    .Where(b => ScopeGrants.Reaches(context, b.Tags)).Select(b => ForCaller(context, b)).ToList())
            .WithName("ListBackends");

        group.MapGet("/{name}", async (string name, HttpContext context, IMediator mediator, CancellationToken ct) =>
            {
                var backend = await mediator.Send(new GetBackendQuery(name), ct);
                return ScopeGrants.Reaches(context, backend.Tags)
                    ? ForCaller(context, backend)
                    : throw new Application.Common.Exceptions.NotFoundException("backend", name);
            })
            .WithName("GetBackend").ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("", async (RegisterBackendCommand command, IMediator mediator, CancellationToken ct) =>
            {
                var backend = await mediator.Send(command, ct);
                return TypedResults.Created($"{ControlPlaneApi.Prefix}/backends/{Uri.EscapeDataString(backend.Name)}", backend);
            })
            .RequireAdmin().WithName("RegisterBackend").ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        group.MapPut("/{name}", (string name, BackendEdit edit, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new UpdateBackendCommand(name, edit), ct))
            .RequireAdmin().WithName("UpdateBackend").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        group.MapDelete("/{name}", async (string name, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new RemoveBackendCommand(name), ct);
                return TypedResults.NoContent();
            })
            .RequireAdmin().WithName("RemoveBackend").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{name}/enable", (string name, IMediator mediator, CancellationToken ct) => mediator.Send(new EnableBackendCommand(name), ct))
            .RequireAdmin().WithName("EnableBackend").ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{name}/disable", (string name, IMediator mediator, CancellationToken ct) => mediator.Send(new DisableBackendCommand(name), ct))
            .RequireAdmin().WithName("DisableBackend").ProducesProblem(StatusCodes.Status404NotFound);

        group.MapBackendOAuth();
    }

    // Members see what a backend is and how it is doing, not how it is started (BackendView.ForMember).
    private static BackendView ForCaller(HttpContext context, BackendView backend) =>
        ApiCaller.IsAdmin(context) ? backend : backend.ForMember();
}
