using MediatR;

namespace OneMcp.Application.Presets.Commands;

/// <summary>Deletes a preset; sessions opened with it see nothing from then on (and are told so).</summary>
public sealed record DeletePresetCommand(string Name) : IRequest<Unit>;
