using MediatR;

namespace OneMcp.Application.Presets.Queries;

public sealed record ListPresetsQuery : IRequest<IReadOnlyList<PresetView>>;
