using ModelContextProtocol.Protocol;

namespace OneMcp.Application.Gateway;

/// <summary>
/// A backend's capabilities as clients see them: prefixed names (original ones on <c>/mcp/&lt;server&gt;</c>), overridden descriptions, disabled tools
/// removed. Built once per (capabilities, settings) snapshot, so list requests only concatenate.
/// </summary>
public sealed record ExposedCapabilities(
    IReadOnlyList<Tool> Tools,
    IReadOnlyList<Resource> Resources,
    IReadOnlyList<ResourceTemplate> ResourceTemplates,
    IReadOnlyList<Prompt> Prompts);
