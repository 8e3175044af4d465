using System.Text.Json.Serialization;
using MediatR;
using OneMcp.Application.Authorization;

namespace OneMcp.Application.Presets.Commands;

/// <summary>Stores a named tag-filter expression that clients select with <c>?preset=&lt;name&gt;</c>.</summary>
public sealed record CreatePresetCommand : IRequest<PresetView>
{
    public string? Name { get; init; }
    public string? Expression { get; init; }
    public string? Description { get; init; }

    /// <summary>The caller's grant (a token under scope validation): the answer names only the backends it reaches. Never read from the body.</summary>
    [JsonIgnore]
    public TagGrant? Grant { get; init; }
}
