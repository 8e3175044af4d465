using MediatR;
using OneMcp.Application.Presets.Commands;
using OneMcp.Application.Presets.Queries;
using OneMcp.Infrastructure.Identity;

namespace OneMcp.Api.Endpoints;

internal static class PresetEndpoints
{
    public static void MapPresets(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/presets").WithTags("Presets");

        group.MapGet("", (HttpContext context, IMediator mediator, CancellationToken ct) => mediator.Send(new ListPresetsQuery(ScopeGrants.For(context)), ct))
            .WithName("ListPresets");

        group.MapGet("/{name}", (string name, HttpContext context, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new GetPresetQuery(name, ScopeGrants.For(context)), ct))
            .WithName("GetPreset").ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("", async (CreatePresetCommand command, HttpContext context, IMediator mediator, CancellationToken ct) =>
            {
                var preset = await mediator.Send(command with { Grant = ScopeGrants.For(context) }, ct);
                return TypedResults.Created($"{ControlPlaneApi.Prefix}/presets/{Uri.EscapeDataString(preset.Name)}", preset);
            })
            .RequireAdmin().WithName("CreatePreset").ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        group.MapPut("/{name}", (string name, PresetEdit edit, HttpContext context, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new UpdatePresetCommand(name, edit, ScopeGrants.For(context)), ct))
            .RequireAdmin().WithName("UpdatePreset").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        group.MapDelete("/{name}", async (string name, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new DeletePresetCommand(name), ct);
                return TypedResults.NoContent();
            })
            .RequireAdmin().WithName("DeletePreset").ProducesProblem(StatusCodes.Status404NotFound);
    }
}
