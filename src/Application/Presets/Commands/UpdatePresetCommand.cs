using MediatR;
using OneMcp.Application.Authorization;

namespace OneMcp.Application.Presets.Commands;

/// <summary>
/// Changes a preset; sessions opened with it follow the new expression and get <c>list_changed</c>. With a
/// <paramref name="Grant"/> the answer names only the backends the grant reaches.
/// </summary>
public sealed record UpdatePresetCommand(string Name, PresetEdit Edit, TagGrant? Grant = null) : IRequest<PresetView>;
