using MediatR;

namespace OneMcp.Application.Presets.Commands;

/// <summary>Stores a named tag-filter expression that clients select with <c>?preset=&lt;name&gt;</c>.</summary>
public sealed record CreatePresetCommand : IRequest<PresetView>
{
    public string? Name { get; init; }
    public string? Expression { get; init; }
    public string? Description { get; init; }
}
