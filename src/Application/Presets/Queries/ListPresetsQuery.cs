using MediatR;
using OneMcp.Application.Authorization;

namespace OneMcp.Application.Presets.Queries;

/// <summary>Every preset, by name; with a <paramref name="Grant"/> each names only the backends the grant reaches.</summary>
public sealed record ListPresetsQuery(TagGrant? Grant = null) : IRequest<IReadOnlyList<PresetView>>;
