using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
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

    // A user's own connection to a per-user backend has lists of its own: cached apart, per owner, so they never take
    // the place of the backend's shared entry (the tools everyone lists).
    private readonly ConcurrentDictionary<(ServerName, ConnectionOwner, bool OriginalNames), Entry> _users = new();

    /// <summary>The backend's capabilities under prefixed names (<c>&lt;server&gt;_1mcp_&lt;name&gt;</c>).</summary>
    public ExposedCapabilities For(IBackendConnection backend) => For(backend, _entries, backend.Name, originalNames: false);

    /// <summary>What <paramref name="session"/> sees of the backend: original names on <c>/mcp/&lt;server&gt;</c>, prefixed ones otherwise.</summary>
    public ExposedCapabilities For(IBackendConnection backend, Sessions.GatewaySession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(backend);
        var originalNames = session.OnlyBackend is not null;
        if (backend is IUserBackendConnection own)
        {
            return For(backend, _users, (backend.Name, own.Owner, originalNames), originalNames);
        }

        return originalNames ? For(backend, _originalNames, backend.Name, originalNames: true) : For(backend, _entries, backend.Name, originalNames: false);
    }

    private static ExposedCapabilities For<TKey>(IBackendConnection backend, ConcurrentDictionary<TKey, Entry> entries, TKey key, bool originalNames)
        where TKey : notnull
    {
        var capabilities = backend.Capabilities;
        var settings = backend.Settings;
        if (entries.TryGetValue(key, out var entry)
            && ReferenceEquals(entry.Source, capabilities)
            && ReferenceEquals(entry.Settings, settings))
        {
            return entry.Exposed;
        }

        var exposed = Build(settings, capabilities, originalNames);
        entries[key] = new Entry(capabilities, settings, exposed);
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
            if (string.IsNullOrEmpty(tool.Name) || settings.DisabledTools.Contains(tool.Name))
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

        // A faulty backend's entry without a name or URI is left out: it could never be named back to the gateway, and
        // prefixing it would throw, failing the list of every session that sees the backend.
        var resources = capabilities.Resources.Where(r => !string.IsNullOrEmpty(r.Uri)).Select(r =>
        {
            var copy = Clone(r, McpJsonUtilities.DefaultOptions);
            copy.Uri = ExposedName(r.Uri);
            return copy;
        }).ToArray();

        var templates = capabilities.ResourceTemplates.Where(t => !string.IsNullOrEmpty(t.UriTemplate)).Select(t =>
        {
            var copy = Clone(t, McpJsonUtilities.DefaultOptions);
            copy.UriTemplate = ExposedName(t.UriTemplate);
            return copy;
        }).ToArray();

        var prompts = capabilities.Prompts.Where(p => !string.IsNullOrEmpty(p.Name)).Select(p =>
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
