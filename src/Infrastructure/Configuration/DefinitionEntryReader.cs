using OneMcp.Application.Backends;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Reads a REST <see cref="BackendDefinition"/> into a <see cref="RawServerEntry"/>, applying the same value rules
/// (<see cref="ServerFieldRules"/>) in the same field order as the mcp.json reader, with paths relative to the
/// given entry path. Absent and empty collections count as not set, so a form that always sends every field does
/// not trip the "has no effect on this type" rule.
/// </summary>
internal sealed class DefinitionEntryReader(ConfigDiagnostics diagnostics)
{
    public RawServerEntry Read(BackendDefinition definition, string path)
    {
        var raw = new RawServerEntry();
        if (Present(raw, path, "type", definition.Type is not null) is { } typePath)
        {
            raw.Type = new Located<string>(definition.Type!, typePath);
        }

        if (Present(raw, path, "command", definition.Command is not null) is { } commandPath)
        {
            raw.Command = new Located<string>(definition.Command!, commandPath);
        }

        if (Present(raw, path, "args", definition.Args is { Count: > 0 }) is { } argsPath)
        {
            raw.Args = Strings(definition.Args!, argsPath);
        }

        if (Present(raw, path, "cwd", definition.Cwd is not null) is { } cwdPath)
        {
            raw.Cwd = new Located<string>(definition.Cwd!, cwdPath);
        }

        if (Present(raw, path, "env", definition.Env is { Count: > 0 }) is { } envPath)
        {
            raw.Env = Environment(definition.Env!, envPath);
        }

        if (Present(raw, path, "url", definition.Url is not null) is { } urlPath)
        {
            raw.Url = new Located<string>(definition.Url!, urlPath);
        }

        if (Present(raw, path, "headers", definition.Headers is { Count: > 0 }) is { } headersPath)
        {
            raw.Headers = Headers(definition.Headers!, headersPath);
        }

        ReadMetadata(raw, definition, path);
        ReadTimeoutsAndRestarts(raw, definition, path);

        if (Present(raw, path, "oauth", definition.OAuth is not null) is { } oauthPath)
        {
            raw.OAuth = OAuth(definition.OAuth!, oauthPath);
        }

        ReadPerUser(raw, definition, path);
        return raw;
    }

    private void ReadPerUser(RawServerEntry raw, BackendDefinition definition, string path)
    {
        if (Present(raw, path, "credentials", definition.Credentials is not null) is { } credentialsPath)
        {
            raw.Credentials = new Located<string>(definition.Credentials!, credentialsPath);
        }

        if (Present(raw, path, "idleTimeoutMinutes", definition.IdleTimeoutMinutes is not null) is { } idlePath)
        {
            raw.IdleTimeoutMinutes = ServerFieldRules.CheckMinutes(definition.IdleTimeoutMinutes!.Value, idlePath, diagnostics);
        }

        if (Present(raw, path, "maxInstances", definition.MaxInstances is not null) is { } instancesPath)
        {
            raw.MaxInstances = ServerFieldRules.CheckAtLeast(definition.MaxInstances!.Value, 1, instancesPath, diagnostics);
        }

        if (Present(raw, path, "approval", definition.Approval is not null) is { } approvalPath)
        {
            raw.Approval = new Located<string>(definition.Approval!, approvalPath);
        }
    }

    private void ReadMetadata(RawServerEntry raw, BackendDefinition definition, string path)
    {
        if (Present(raw, path, "tags", definition.Tags is { Count: > 0 }) is { } tagsPath)
        {
            raw.Tags = ServerFieldRules.CheckTags(Strings(definition.Tags!, tagsPath), diagnostics);
        }

        if (Present(raw, path, "disabledTools", definition.DisabledTools is { Count: > 0 }) is { } toolsPath)
        {
            raw.DisabledTools = ServerFieldRules.CheckDisabledTools(Strings(definition.DisabledTools!, toolsPath), diagnostics);
        }

        if (Present(raw, path, "toolDescriptionOverrides", definition.ToolDescriptionOverrides is { Count: > 0 }) is { } overridesPath)
        {
            raw.ToolDescriptionOverrides = DescriptionOverrides(definition.ToolDescriptionOverrides!, overridesPath);
        }

        if (Present(raw, path, "instructionOverride", definition.InstructionOverride is not null) is not null)
        {
            raw.InstructionOverride = definition.InstructionOverride;
        }
    }

    private void ReadTimeoutsAndRestarts(RawServerEntry raw, BackendDefinition definition, string path)
    {
        if (Present(raw, path, "connectionTimeout", definition.ConnectionTimeout is not null) is { } connectionPath)
        {
            raw.ConnectionTimeout = ServerFieldRules.CheckMilliseconds(definition.ConnectionTimeout!.Value, connectionPath, allowZero: false, diagnostics);
        }

        if (Present(raw, path, "requestTimeout", definition.RequestTimeout is not null) is { } requestPath)
        {
            raw.RequestTimeout = ServerFieldRules.CheckMilliseconds(definition.RequestTimeout!.Value, requestPath, allowZero: false, diagnostics);
        }

        if (Present(raw, path, "restartOnExit", definition.RestartOnExit is not null) is not null)
        {
            raw.RestartOnExit = definition.RestartOnExit;
        }

        if (Present(raw, path, "maxRestarts", definition.MaxRestarts is not null) is { } maxPath)
        {
            raw.MaxRestarts = ServerFieldRules.CheckCount(definition.MaxRestarts!.Value, maxPath, diagnostics);
        }

        if (Present(raw, path, "restartDelay", definition.RestartDelay is not null) is { } delayPath)
        {
            raw.RestartDelay = ServerFieldRules.CheckMilliseconds(definition.RestartDelay!.Value, delayPath, allowZero: true, diagnostics);
        }
    }

    /// <summary>Records a set field and returns its path, or returns null for a field that is not set.</summary>
    private static string? Present(RawServerEntry raw, string path, string field, bool isSet)
    {
        if (!isSet)
        {
            return null;
        }

        var fieldPath = JsonPath.Property(path, field);
        raw.PresentPaths[field] = fieldPath;
        return fieldPath;
    }

    private List<Located<string>> Strings(IReadOnlyList<string> values, string path)
    {
        var items = new List<Located<string>>();
        for (var i = 0; i < values.Count; i++)
        {
            if (Text(values[i], JsonPath.Index(path, i)) is { } item)
            {
                items.Add(item);
            }
        }

        return items;
    }

    private List<RawEnvEntry> Environment(IReadOnlyDictionary<string, string> env, string path)
    {
        var entries = new List<RawEnvEntry>();
        foreach (var (key, value) in env)
        {
            var itemPath = JsonPath.Property(path, key);
            if (ServerFieldRules.CheckEnvironmentKey(key, itemPath, diagnostics) && Text(value, itemPath) is { } text)
            {
                entries.Add(new RawEnvEntry(key, text.Value, itemPath, Substitute: true));
            }
        }

        return entries;
    }

    private List<(string Name, Located<string> Value)> Headers(IReadOnlyDictionary<string, string> headers, string path)
    {
        var entries = new List<(string, Located<string>)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            var itemPath = JsonPath.Property(path, name);
            if (ServerFieldRules.CheckHeaderName(name, seen, itemPath, diagnostics) && Text(value, itemPath) is { } text)
            {
                entries.Add((name, text));
            }
        }

        return entries;
    }

    private Dictionary<string, string> DescriptionOverrides(IReadOnlyDictionary<string, string> overrides, string path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (tool, value) in overrides)
        {
            var itemPath = JsonPath.Property(path, tool);
            if (ServerFieldRules.CheckOverriddenTool(tool, itemPath, diagnostics)
                && Text(value, itemPath) is { } description
                && ServerFieldRules.CheckDescriptionOverride(description, diagnostics))
            {
                result[tool] = description.Value;
            }
        }

        return result;
    }

    private RawOAuth OAuth(BackendOAuthDefinition oauth, string path) => new()
    {
        ClientId = oauth.ClientId is { } id ? new Located<string>(id, JsonPath.Property(path, "clientId")) : null,
        ClientSecret = oauth.ClientSecret is { } secret ? new Located<string>(secret, JsonPath.Property(path, "clientSecret")) : null,
        Scopes = oauth.Scopes is { Count: > 0 } scopes ? Strings(scopes, JsonPath.Property(path, "scopes")) : null,
        RedirectUrl = oauth.RedirectUrl is { } redirect ? new Located<string>(redirect, JsonPath.Property(path, "redirectUrl")) : null,
    };

    /// <summary>A string of a list or map; JSON null inside one is reported as in mcp.json.</summary>
    private Located<string>? Text(string? value, string path)
    {
        if (value is null)
        {
            diagnostics.Error(path, "Expected a string, got null.");
            return null;
        }

        return new Located<string>(value, path);
    }
}
