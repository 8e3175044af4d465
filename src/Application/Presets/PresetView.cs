using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets;

/// <summary>A stored preset as the REST API shows it; <see cref="Filter"/> is the expression's canonical form.</summary>
public sealed record PresetView(string Name, string Expression, string Filter, string Description, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static PresetView From(Preset preset)
    {
        ArgumentNullException.ThrowIfNull(preset);
        return new PresetView(preset.Name, preset.Expression, TagFilter.Parse(preset.Expression).ToString(), preset.Description, preset.Version, preset.CreatedAt, preset.UpdatedAt);
    }
}
