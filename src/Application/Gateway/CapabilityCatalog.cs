using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway;

/// <summary>
/// What each backend exposes to clients, built once per (capabilities, settings) snapshot: under prefixed names for
/// <c>/mcp</c>, and under the backend's original names for <c>/mcp/&lt;server&gt;</c> (built only once asked for).
/// </summary>
public sealed class CapabilityCatalog
{
    private readonly ConcurrentDictionary<ServerName, Entry> _entries = new();
    private readonly ConcurrentDictionary<ServerName, Entry> _originalNames = new();

    /// <summary>The backend's capabilities under prefixed names (<c>&lt;server&gt;_1mcp_&lt;name&gt;</c>).</summary>
    public ExposedCapabilities For(IBackendConnection backend) => For(backend, _entries, originalNames: false);

    /// <summary>What <paramref name="session"/> sees of the backend: original names on <c>/mcp/&lt;server&gt;</c>, prefixed ones otherwise.</summary>
    public ExposedCapabilities For(IBackendConnection backend, Sessions.GatewaySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.OnlyBackend is null ? For(backend, _entries, originalNames: false) : For(backend, _originalNames, originalNames: true);
    }

    private static ExposedCapabilities For(IBackendConnection backend, ConcurrentDictionary<ServerName, Entry> entries, bool originalNames)
    {
        var capabilities = backend.Capabilities;
        var settings = backend.Settings;
        if (entries.TryGetValue(backend.Name, out var entry)
            && ReferenceEquals(entry.Source, capabilities)
            && ReferenceEquals(entry.Settings, settings))
        {
            return entry.Exposed;
        }

        var exposed = Build(settings, capabilities, originalNames);
        entries[backend.Name] = new Entry(capabilities, settings, exposed);
        return exposed;
    }

    /// <summary>True when the backend exposes a tool of that (backend-side) name to clients.</summary>
    public static bool IsToolExposed(IBackendConnection backend, string toolName)
    {
        if (backend.Settings.DisabledTools.Contains(toolName))
        {
            return false;
        }

        // Every tools/call asks this: a plain loop, no LINQ enumerator or closure per call.
        var tools = backend.Capabilities.Tools;
        for (var i = 0; i < tools.Count; i++)
        {
            if (string.Equals(tools[i].Name, toolName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    internal static ExposedCapabilities Build(BackendSettings settings, BackendCapabilities capabilities, bool originalNames = false)
    {
        var server = settings.Name;
        string ExposedName(string name) => originalNames ? name : CapabilityName.Compose(server, name);
        var tools = new List<Tool>(capabilities.Tools.Count);
        foreach (var tool in capabilities.Tools)
        {
            if (settings.DisabledTools.Contains(tool.Name))
            {
                continue;
            }

            var copy = Clone(tool, McpJsonUtilities.DefaultOptions);
            copy.Name = ExposedName(tool.Name);
            if (settings.ToolDescriptionOverrides.TryGetValue(tool.Name, out var description))
            {
                copy.Description = description;
            }

            tools.Add(copy);
        }

        var resources = capabilities.Resources.Select(r =>
        {
            var copy = Clone(r, McpJsonUtilities.DefaultOptions);
            copy.Uri = ExposedName(r.Uri);
            return copy;
        }).ToArray();

        var templates = capabilities.ResourceTemplates.Select(t =>
        {
            var copy = Clone(t, McpJsonUtilities.DefaultOptions);
            copy.UriTemplate = ExposedName(t.UriTemplate);
            return copy;
        }).ToArray();

        var prompts = capabilities.Prompts.Select(p =>
        {
            var copy = Clone(p, McpJsonUtilities.DefaultOptions);
            copy.Name = ExposedName(p.Name);
            return copy;
        }).ToArray();

        return new ExposedCapabilities(tools, resources, templates, prompts);
    }

    // A JSON round trip keeps every field the backend sent, including ones this SDK version does not model
    // as properties (annotations, icons, _meta), which a hand-written copy would silently drop.
    private static T Clone<T>(T value, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToUtf8Bytes(value, options), options)!;

    private sealed record Entry(BackendCapabilities Source, BackendSettings Settings, ExposedCapabilities Exposed);
}
