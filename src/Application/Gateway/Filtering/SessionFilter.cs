using System.Collections.Frozen;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway.Filtering;

/// <summary>
/// The tag filter a session was opened with, decided once at <c>initialize</c> from the
/// <c>tags</c>, <c>tag-filter</c> or <c>preset</c> query parameter (at most one of them).
/// </summary>
public sealed class SessionFilter
{
    public const string TagsParameter = "tags";
    public const string TagFilterParameter = "tag-filter";
    public const string PresetParameter = "preset";

    private SessionFilter(SessionFilterKind kind, TagFilter? filter, string? presetName)
    {
        Kind = kind;
        Filter = filter;
        PresetName = presetName;
    }

    /// <summary>No filter: every backend is visible.</summary>
    public static SessionFilter None { get; } = new(SessionFilterKind.None, null, null);

    public SessionFilterKind Kind { get; }

    /// <summary>The parsed filter; null for <see cref="None"/> and for a preset that was deleted (which admits nothing).</summary>
    public TagFilter? Filter { get; }

    /// <summary>The preset's name when <see cref="Kind"/> is <see cref="SessionFilterKind.Preset"/>.</summary>
    public string? PresetName { get; }

    /// <summary>Every tag the filter names (including negated ones), for the scope check; empty for <see cref="None"/>.</summary>
    public IReadOnlySet<Tag> RequestedTags => Filter?.ReferencedTags ?? FrozenSet<Tag>.Empty;

    /// <summary>
    /// Builds the session filter from the query parameters. A parameter counts as present when it is
    /// not null, so an empty value is an error rather than "no filter".
    /// </summary>
    /// <param name="tags">The <c>tags</c> parameter (comma-separated tags), or null when absent.</param>
    /// <param name="tagFilter">The <c>tag-filter</c> parameter (an expression), or null when absent.</param>
    /// <param name="preset">The <c>preset</c> parameter (a preset name), or null when absent.</param>
    /// <param name="resolvePreset">Returns the stored expression of a preset, or null when there is no such preset.</param>
    /// <exception cref="SessionFilterException">Two or more parameters, an empty one, an unknown preset, or a syntax error.</exception>
    public static SessionFilter FromQuery(string? tags, string? tagFilter, string? preset, Func<string, string?> resolvePreset)
    {
        ArgumentNullException.ThrowIfNull(resolvePreset);
        var present = (tags is null ? 0 : 1) + (tagFilter is null ? 0 : 1) + (preset is null ? 0 : 1);
        if (present == 0)
        {
            return None;
        }

        if (present > 1)
        {
            throw new SessionFilterException(
                $"Use only one of '{TagsParameter}', '{TagFilterParameter}' and '{PresetParameter}'.");
        }

        if (tags is not null)
        {
            RequireNotBlank(tags, TagsParameter);
            var filter = Build(() => TagFilter.ParseTagList(tags), $"Invalid {TagsParameter}: ");
            return new SessionFilter(SessionFilterKind.Tags, filter, null);
        }

        if (tagFilter is not null)
        {
            RequireNotBlank(tagFilter, TagFilterParameter);
            var filter = Build(() => TagFilter.Parse(tagFilter), $"Invalid {TagFilterParameter}: ");
            return new SessionFilter(SessionFilterKind.Expression, filter, null);
        }

        RequireNotBlank(preset!, PresetParameter);
        var expression = resolvePreset(preset!)
            ?? throw new SessionFilterException($"Unknown preset '{preset}'.");
        var presetFilter = Build(() => TagFilter.Parse(expression), $"Preset '{preset}' has an invalid filter: ");
        return new SessionFilter(SessionFilterKind.Preset, presetFilter, preset);
    }

    /// <summary>
    /// The filter of a session opened with <c>?preset=<paramref name="presetName"/></c> after the preset changed;
    /// <paramref name="filter"/> is null when the preset was deleted, and then the session sees nothing.
    /// </summary>
    public static SessionFilter ForPreset(string presetName, TagFilter? filter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(presetName);
        return new SessionFilter(SessionFilterKind.Preset, filter, presetName);
    }

    /// <summary>True when a backend with <paramref name="backendTags"/> is visible to the session.</summary>
    public bool Allows(IReadOnlyCollection<Tag> backendTags) =>
        Kind == SessionFilterKind.None || (Filter is not null && Filter.Matches(backendTags));

    /// <summary>A short human-readable description for logs and the dashboard; null for <see cref="None"/>.</summary>
    public string? Describe() => Kind switch
    {
        SessionFilterKind.Tags => $"tags: {Filter}",
        SessionFilterKind.Expression => $"tag-filter: {Filter}",
        SessionFilterKind.Preset => Filter is null ? $"preset '{PresetName}' (deleted)" : $"preset '{PresetName}': {Filter}",
        _ => null,
    };

    public override string ToString() => Describe() ?? "no filter";

    private static void RequireNotBlank(string value, string parameter)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new SessionFilterException($"The '{parameter}' parameter is empty.");
        }
    }

    private static TagFilter Build(Func<TagFilter> parse, string messagePrefix)
    {
        try
        {
            return parse();
        }
        catch (TagFilterSyntaxException ex)
        {
            throw new SessionFilterException(messagePrefix + ex.Message, ex);
        }
    }
}
