using MediatR;
using OneMcp.Application.Presets.Commands;
using OneMcp.Application.Presets.Queries;

namespace OneMcp.Api.Endpoints;

internal static class PresetEndpoints
{
    public static void MapPresets(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/presets").WithTags("Presets");

        group.MapGet("", (IMediator mediator, CancellationToken ct) => mediator.Send(new ListPresetsQuery(), ct))
            .WithName("ListPresets");

        group.MapGet("/{name}", (string name, IMediator mediator, CancellationToken ct) => mediator.Send(new GetPresetQuery(name), ct))
            .WithName("GetPreset").ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("", async (CreatePresetCommand command, IMediator mediator, CancellationToken ct) =>
            {
                var preset = await mediator.Send(command, ct);
                return TypedResults.Created($"{ControlPlaneApi.Prefix}/presets/{Uri.EscapeDataString(preset.Name)}", preset);
            })
            .RequireAdmin().WithName("CreatePreset").ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        group.MapPut("/{name}", (string name, PresetEdit edit, IMediator mediator, CancellationToken ct) =>
                mediator.Send(new UpdatePresetCommand(name, edit), ct))
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
