using MediatR;
using OneMcp.Application.Authorization;

namespace OneMcp.Application.Presets.Queries;

/// <summary>One preset; with a <paramref name="Grant"/> it names only the backends the grant reaches.</summary>
public sealed record GetPresetQuery(string Name, TagGrant? Grant = null) : IRequest<PresetView>;
