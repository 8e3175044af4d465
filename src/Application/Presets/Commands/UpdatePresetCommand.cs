using MediatR;

namespace OneMcp.Application.Presets.Commands;

/// <summary>Changes a preset; sessions opened with it follow the new expression and get <c>list_changed</c>.</summary>
public sealed record UpdatePresetCommand(string Name, PresetEdit Edit) : IRequest<PresetView>;
