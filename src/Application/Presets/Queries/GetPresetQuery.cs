using MediatR;

namespace OneMcp.Application.Presets.Queries;

public sealed record GetPresetQuery(string Name) : IRequest<PresetView>;
