using OneMcp.Application.Authorization;
using OneMcp.Application.Backends;
using OneMcp.Application.Gateway.Filtering;
using OneMcp.Domain.Presets;

namespace OneMcp.Application.Presets;

/// <summary>
/// A stored preset as the REST API shows it: <see cref="Filter"/> is the expression's canonical form, and
/// <see cref="Backends"/> the backends it selects now (sorted), which an operator checks before handing its URL out.
/// </summary>
public sealed record PresetView(
    string Name, string Expression, string Filter, string Description, IReadOnlyList<string> Backends, int Version, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// The view of <paramref name="preset"/> over the backends of <paramref name="pool"/>; with a <paramref name="grant"/>
    /// (a token under scope validation) it names only the backends the grant reaches, as the list of backends does.
    /// </summary>
    public static PresetView From(Preset preset, IBackendPool pool, TagGrant? grant)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(pool);
        var filter = TagFilter.Parse(preset.Expression);
        IReadOnlyList<string> selected = [.. pool.Backends
            .Where(b => filter.Matches(b.Settings.Tags) && (grant is null || grant.Reaches(b.Settings.Tags)))
            .Select(b => b.Name.Value)
            .Order(StringComparer.Ordinal)];
        return new PresetView(preset.Name, preset.Expression, filter.ToString(), preset.Description, selected, preset.Version, preset.CreatedAt, preset.UpdatedAt);
    }
}
