using System.Text.Json;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Reads one server entry (or <c>serverDefaults</c>) of an mcp.json into a <see cref="RawServerEntry"/>: which
/// fields exist, their JSON types and their value rules (<see cref="ServerFieldRules"/>). Unknown fields are
/// reported with a suggestion; 1MCP fields OneMcp does not implement are accepted with a warning.
/// </summary>
/// <param name="diagnostics">Where problems are reported.</param>
/// <param name="environment">Looked up for a bare <c>"NAME"</c> in an <c>env</c> array, which passes the gateway's own variable through.</param>
internal sealed class ServerEntryReader(ConfigDiagnostics diagnostics, Func<string, string?> environment)
{
    public static readonly string[] ServerFields =
    [
        "type", "command", "args", "cwd", "env", "url", "headers", "tags", "disabled", "disabledTools",
        "toolDescriptionOverrides", "instructionOverride", "connectionTimeout", "requestTimeout", "timeout",
        "restartOnExit", "maxRestarts", "restartDelay", "oauth", "credentials", "idleTimeoutMinutes", "maxInstances",
        "approval",
    ];

    private static readonly HashSet<string> IgnoredServerFields =
        new(["inheritParentEnv", "envFilter", "stderr", "template"], StringComparer.Ordinal);

    // The tool-approval lists of Cline's and Roo Code's files: a rule of the MCP client that prompts its user, which a
    // gateway cannot apply. Accepted so that such a file loads, and reported.
    private static readonly HashSet<string> ClientOnlyServerFields = new(["autoApprove", "alwaysAllow"], StringComparer.Ordinal);

    private static readonly string[] DefaultsFields =
    [
        "env", "timeout", "connectionTimeout", "requestTimeout", "oauth", "headers", "restartOnExit",
        "maxRestarts", "restartDelay",
    ];

    private static readonly HashSet<string> IgnoredDefaultsFields =
        new(["inheritParentEnv", "envFilter"], StringComparer.Ordinal);

    private static readonly string[] OAuthFields = ["clientId", "clientSecret", "scopes", "redirectUrl"];

    private static readonly HashSet<string> IgnoredOAuthFields = new(["autoRegister"], StringComparer.Ordinal);

    private readonly ConfigJsonReader _json = new(diagnostics);

    /// <summary>The fields of a server entry; <paramref name="element"/> is an object.</summary>
    public RawServerEntry ReadServer(JsonElement element, string path)
    {
        var raw = new RawServerEntry();
        foreach (var (field, value, fieldPath) in _json.Properties(element, path))
        {
            if (IgnoredServerFields.Contains(field))
            {
                diagnostics.Unsupported(fieldPath, field, "setting");
            }
            else if (ClientOnlyServerFields.Contains(field))
            {
                diagnostics.Warn(fieldPath, $"'{field}' is an MCP client's own approval list; the gateway does not apply it, it is ignored.");
            }
            else if (!ServerFields.Contains(field, StringComparer.Ordinal))
            {
                diagnostics.UnknownField(fieldPath, field, ServerFields);
            }
            else
            {
                ReadField(raw, field, value, fieldPath);
            }
        }

        return raw;
    }

    /// <summary>The fields of <c>serverDefaults</c>; <paramref name="element"/> is an object.</summary>
    public RawServerEntry ReadDefaults(JsonElement element, string path)
    {
        var raw = new RawServerEntry();
        foreach (var (name, value, fieldPath) in _json.Properties(element, path))
        {
            if (IgnoredDefaultsFields.Contains(name))
            {
                diagnostics.Unsupported(fieldPath, name, "setting");
            }
            else if (!DefaultsFields.Contains(name, StringComparer.Ordinal))
            {
                if (ServerFields.Contains(name, StringComparer.Ordinal))
                {
                    diagnostics.Error(fieldPath, $"'{name}' cannot be set in serverDefaults; allowed are {string.Join(", ", DefaultsFields)}.");
                }
                else
                {
                    diagnostics.UnknownField(fieldPath, name, DefaultsFields);
                }
            }
            else
            {
                ReadField(raw, name, value, fieldPath);
            }
        }

        return raw;
    }

    private void ReadField(RawServerEntry raw, string name, JsonElement value, string path)
    {
        raw.PresentPaths[name] = path;
        switch (name)
        {
            case "type":
                raw.Type = _json.ReadString(value, path);
                break;
            case "command":
                raw.Command = _json.ReadString(value, path);
                break;
            case "args":
                raw.Args = _json.ReadStringArray(value, path);
                break;
            case "cwd":
                raw.Cwd = _json.ReadString(value, path);
                break;
            case "env":
                raw.Env = ReadEnv(value, path);
                break;
            case "url":
                raw.Url = _json.ReadString(value, path);
                break;
            case "headers":
                raw.Headers = ReadHeaders(value, path);
                break;
            case "tags":
                raw.Tags = _json.ReadStringArray(value, path) is { } tags ? ServerFieldRules.CheckTags(tags, diagnostics) : null;
                break;
            case "disabled":
                raw.Disabled = ReadDisabled(value, path);
                break;
            case "disabledTools":
                raw.DisabledTools = _json.ReadStringArray(value, path) is { } tools ? ServerFieldRules.CheckDisabledTools(tools, diagnostics) : null;
                break;
            case "toolDescriptionOverrides":
                raw.ToolDescriptionOverrides = ReadDescriptionOverrides(value, path);
                break;
            case "instructionOverride":
                raw.InstructionOverride = _json.ReadString(value, path)?.Value;
                break;
            case "connectionTimeout":
                raw.ConnectionTimeout = _json.ReadMilliseconds(value, path, allowZero: false);
                break;
            case "requestTimeout":
                raw.RequestTimeout = _json.ReadMilliseconds(value, path, allowZero: false);
                break;
            case "timeout":
                diagnostics.Warn(path, "'timeout' is deprecated; use 'connectionTimeout' and 'requestTimeout'.");
                raw.Timeout = _json.ReadMilliseconds(value, path, allowZero: false);
                break;
            case "restartOnExit":
                raw.RestartOnExit = _json.ReadBool(value, path);
                break;
            case "maxRestarts":
                raw.MaxRestarts = _json.ReadCount(value, path);
                break;
            case "restartDelay":
                raw.RestartDelay = _json.ReadMilliseconds(value, path, allowZero: true);
                break;
            case "oauth":
                raw.OAuth = ReadOAuth(value, path);
                break;
            case "credentials":
                raw.Credentials = _json.ReadString(value, path);
                break;
            case "idleTimeoutMinutes":
                raw.IdleTimeoutMinutes = _json.ReadMinutes(value, path);
                break;
            case "maxInstances":
                raw.MaxInstances = _json.ReadCount(value, path, minimum: 1);
                break;
            case "approval":
                raw.Approval = _json.ReadString(value, path);
                break;
            default:
                throw new InvalidOperationException($"No reader for field '{name}'.");
        }
    }

    private bool? ReadDisabled(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            diagnostics.Error(path, "Expected true or false; 1MCP template conditions are not supported.");
            return null;
        }

        return _json.ReadBool(value, path);
    }

    private List<RawEnvEntry>? ReadEnv(JsonElement value, string path)
    {
        var entries = new List<RawEnvEntry>();
        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var (key, item, itemPath) in _json.Properties(value, path))
            {
                if (ServerFieldRules.CheckEnvironmentKey(key, itemPath, diagnostics) && _json.ReadString(item, itemPath) is { } s)
                {
                    entries.Add(new RawEnvEntry(key, s.Value, itemPath, Substitute: true));
                }
            }

            return entries;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            diagnostics.Error(path, $"Expected an object of strings or an array of \"NAME=value\" / \"NAME\" strings, got {ConfigJsonReader.Describe(value)}.");
            return null;
        }

        foreach (var item in _json.ReadStringArray(value, path) ?? [])
        {
            var separator = item.Value.IndexOf('=', StringComparison.Ordinal);
            var key = (separator >= 0 ? item.Value[..separator] : item.Value).Trim();
            if (!ServerFieldRules.IsEnvironmentKey(key))
            {
                diagnostics.Error(item.Path, "Expected \"NAME=value\" or \"NAME\" with a valid variable name.");
            }
            else if (separator >= 0)
            {
                entries.Add(new RawEnvEntry(key, item.Value[(separator + 1)..], item.Path, Substitute: true));
            }
            else if (environment(key) is { } inherited)
            {
                // A bare NAME passes the gateway's own variable through.
                entries.Add(new RawEnvEntry(key, inherited, item.Path, Substitute: false));
            }
            else
            {
                // An unset one is left out (not an error: a file shared between machines may name an optional
                // variable); said, so that a backend started without its token is explained. The name only.
                diagnostics.Warn(item.Path, $"'{key}' is not set in the gateway's environment; the server starts without it.");
            }
        }

        return entries;
    }

    private List<(string Name, Located<string> Value)>? ReadHeaders(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Error(path, $"Expected an object of header names to strings, got {ConfigJsonReader.Describe(value)}.");
            return null;
        }

        var headers = new List<(string, Located<string>)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, item, itemPath) in _json.Properties(value, path))
        {
            if (ServerFieldRules.CheckHeaderName(name, seen, itemPath, diagnostics) && _json.ReadString(item, itemPath) is { } s)
            {
                headers.Add((name, s));
            }
        }

        return headers;
    }

    private Dictionary<string, string>? ReadDescriptionOverrides(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Error(path, $"Expected an object of tool names to descriptions, got {ConfigJsonReader.Describe(value)}.");
            return null;
        }

        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (tool, item, itemPath) in _json.Properties(value, path))
        {
            if (ServerFieldRules.CheckOverriddenTool(tool, itemPath, diagnostics)
                && _json.ReadString(item, itemPath) is { } description
                && ServerFieldRules.CheckDescriptionOverride(description, diagnostics))
            {
                overrides[tool] = description.Value;
            }
        }

        return overrides;
    }

    private RawOAuth? ReadOAuth(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            diagnostics.Error(path, $"Expected an object, got {ConfigJsonReader.Describe(value)}.");
            return null;
        }

        var oauth = new RawOAuth();
        foreach (var (name, item, itemPath) in _json.Properties(value, path))
        {
            switch (name)
            {
                case "clientId":
                    oauth.ClientId = _json.ReadString(item, itemPath);
                    break;
                case "clientSecret":
                    oauth.ClientSecret = _json.ReadString(item, itemPath);
                    break;
                case "scopes":
                    oauth.Scopes = _json.ReadStringArray(item, itemPath);
                    break;
                case "redirectUrl":
                    oauth.RedirectUrl = _json.ReadString(item, itemPath);
                    break;
                default:
                    if (IgnoredOAuthFields.Contains(name))
                    {
                        diagnostics.Unsupported(itemPath, name, "setting");
                    }
                    else
                    {
                        diagnostics.UnknownField(itemPath, name, OAuthFields);
                    }

                    break;
            }
        }

        return oauth;
    }
}
