using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Application.Gateway;

public sealed class CapabilityCatalog
{
    private readonly ConcurrentDictionary<ServerName, Entry> _entries = new();

    public ExposedCapabilities For(IBackendConnection backend)
    {
        var capabilities = backend.Capabilities;
        var settings = backend.Settings;
        if (_entries.TryGetValue(backend.Name, out var entry)
            && ReferenceEquals(entry.Source, capabilities)
            && ReferenceEquals(entry.Settings, settings))
        {
            return entry.Exposed;
        }

        var exposed = Build(settings, capabilities);
        _entries[backend.Name] = new Entry(capabilities, settings, exposed);
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

    internal static ExposedCapabilities Build(BackendSettings settings, BackendCapabilities capabilities)
    {
        var server = settings.Name;
        var tools = new List<Tool>(capabilities.Tools.Count);
        foreach (var tool in capabilities.Tools)
        {
            if (settings.DisabledTools.Contains(tool.Name))
            {
                continue;
            }

            var copy = Clone(tool, McpJsonUtilities.DefaultOptions);
            copy.Name = CapabilityName.Compose(server, tool.Name);
            if (settings.ToolDescriptionOverrides.TryGetValue(tool.Name, out var description))
            {
                copy.Description = description;
            }

            tools.Add(copy);
        }

        var resources = capabilities.Resources.Select(r =>
        {
            var copy = Clone(r, McpJsonUtilities.DefaultOptions);
            copy.Uri = CapabilityName.Compose(server, r.Uri);
            return copy;
        }).ToArray();

        var templates = capabilities.ResourceTemplates.Select(t =>
        {
            var copy = Clone(t, McpJsonUtilities.DefaultOptions);
            copy.UriTemplate = CapabilityName.Compose(server, t.UriTemplate);
            return copy;
        }).ToArray();

        var prompts = capabilities.Prompts.Select(p =>
        {
            var copy = Clone(p, McpJsonUtilities.DefaultOptions);
            copy.Name = CapabilityName.Compose(server, p.Name);
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
