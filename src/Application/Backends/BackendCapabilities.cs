using ModelContextProtocol.Protocol;

namespace OneMcp.Application.Backends;

/// <summary>
/// The capabilities a connected backend advertised, as fetched from it (unprefixed, all pages drained).
/// Immutable: a refresh after <c>list_changed</c> produces a new instance, which is how the engine knows
/// its derived, prefixed views are stale.
/// </summary>
public sealed record BackendCapabilities(
    IReadOnlyList<Tool> Tools,
    IReadOnlyList<Resource> Resources,
    IReadOnlyList<ResourceTemplate> ResourceTemplates,
    IReadOnlyList<Prompt> Prompts,
    string? Instructions,
    bool SupportsCompletions,
    bool SupportsResourceSubscribe)
{
    public static readonly BackendCapabilities Empty = new([], [], [], [], null, false, false);
}
