using System.Globalization;
using System.Text.Json;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Parses an <c>mcp.json</c> (the 1MCP / Claude Desktop format) into <see cref="BackendSettings"/>.
/// Pure: the environment is passed in, nothing is read from the process, and bad content never throws;
/// every problem becomes a <see cref="ConfigError"/> with the JSON path of the offending value.
/// </summary>
public static class McpConfigParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        // Hand-edited files (and Claude Desktop's own) commonly carry comments and trailing commas.
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 64,
    };

    public static McpConfigParseResult Parse(string json, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(environment);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return McpConfigParseResult.Failure(JsonPath.Root, DescribeJsonError(ex));
        }

        using (document)
        {
            return new Session(environment).ParseRoot(document.RootElement);
        }
    }

    /// <summary>Turns a <see cref="JsonException"/> into a message with 1-based line and position.</summary>
    internal static string DescribeJsonError(JsonException exception)
    {
        var message = exception.Message;
        // The reader appends zero-based "LineNumber: 0 | BytePositionInLine: 5."; users count from one.
        var marker = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (marker >= 0)
        {
            message = message[..marker];
        }

        if (exception.LineNumber is { } line && exception.BytePositionInLine is { } position)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"Invalid JSON at line {line + 1}, position {position + 1}: {message}");
        }

        return $"Invalid JSON: {message}";
    }

    private static readonly string[] TopLevelFields = ["$schema", "mcpServers", "serverDefaults"];

    // 1MCP features we deliberately do not implement: accepted so a 1MCP file loads, but reported.
    private static readonly HashSet<string> IgnoredTopLevelFields =
        new(["mcpTemplates", "templateSettings", "templateContext", "app"], StringComparer.Ordinal);

    private static readonly string[] ServerFields =
    [
        "type", "command", "args", "cwd", "env", "url", "headers", "tags", "disabled", "disabledTools",
        "toolDescriptionOverrides", "instructionOverride", "connectionTimeout", "requestTimeout", "timeout",
        "restartOnExit", "maxRestarts", "restartDelay", "oauth",
    ];

    private static readonly HashSet<string> IgnoredServerFields =
        new(["inheritParentEnv", "envFilter", "stderr", "template"], StringComparer.Ordinal);

    private static readonly string[] DefaultsFields =
    [
        "env", "timeout", "connectionTimeout", "requestTimeout", "oauth", "headers", "restartOnExit",
        "maxRestarts", "restartDelay",
    ];

    private static readonly HashSet<string> IgnoredDefaultsFields =
        new(["inheritParentEnv", "envFilter"], StringComparer.Ordinal);

    private static readonly string[] OAuthFields = ["clientId", "clientSecret", "scopes", "redirectUrl"];

    private static readonly HashSet<string> IgnoredOAuthFields = new(["autoRegister"], StringComparer.Ordinal);

    private readonly record struct Located<T>(T Value, string Path);

    private sealed record EnvEntry(string Key, string Value, string Path, bool Substitute);

    private sealed class RawOAuth
    {
        public Located<string>? ClientId { get; set; }
        public Located<string>? ClientSecret { get; set; }
        public List<Located<string>>? Scopes { get; set; }
        public Located<string>? RedirectUrl { get; set; }
    }

    /// <summary>The fields of one server (or of serverDefaults) as written, type-checked but not resolved.</summary>
    private sealed class RawEntry
    {
        public Dictionary<string, string> PresentPaths { get; } = new(StringComparer.Ordinal);
        public Located<string>? Type { get; set; }
        public Located<string>? Command { get; set; }
        public List<Located<string>>? Args { get; set; }
        public Located<string>? Cwd { get; set; }
        public List<EnvEntry>? Env { get; set; }
        public Located<string>? Url { get; set; }
        public List<(string Name, Located<string> Value)>? Headers { get; set; }
        public List<Tag>? Tags { get; set; }
        public bool? Disabled { get; set; }
        public HashSet<string>? DisabledTools { get; set; }
        public Dictionary<string, string>? ToolDescriptionOverrides { get; set; }
        public string? InstructionOverride { get; set; }
        public long? ConnectionTimeout { get; set; }
        public long? RequestTimeout { get; set; }
        public long? Timeout { get; set; }
        public bool? RestartOnExit { get; set; }
        public int? MaxRestarts { get; set; }
        public long? RestartDelay { get; set; }
        public RawOAuth? OAuth { get; set; }
    }

    /// <summary>serverDefaults after substitution, ready to be merged into each server.</summary>
    private sealed record Defaults(
        Dictionary<string, string>? Env,
        Dictionary<string, string>? Headers,
        BackendOAuthSettings? OAuth,
        long? ConnectionTimeout,
        long? RequestTimeout,
        long? Timeout,
        bool? RestartOnExit,
        int? MaxRestarts,
        long? RestartDelay)
    {
        public static readonly Defaults None = new(null, null, null, null, null, null, null, null, null);
    }

    private sealed class Session(Func<string, string?> environment)
    {
        private readonly List<ConfigError> _errors = [];
        private readonly List<ConfigWarning> _warnings = [];

        public McpConfigParseResult ParseRoot(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Error(JsonPath.Root, $"The configuration must be a JSON object with an 'mcpServers' property, got {Describe(root)}.");
                return Result([]);
            }

            JsonElement? servers = null;
            JsonElement? defaults = null;
            foreach (var (name, value, path) in Properties(root, JsonPath.Root))
            {
                switch (name)
                {
                    case "mcpServers":
                        servers = value;
                        break;
                    case "serverDefaults":
                        defaults = value;
                        break;
                    case "$schema":
                        // Editors use it for completion and validation; it means nothing to the gateway.
                        break;
                    default:
                        if (IgnoredTopLevelFields.Contains(name))
                        {
                            Warn(path, $"'{name}' is a 1MCP feature OneMcp does not support; it is ignored.");
                        }
                        else
                        {
                            UnknownField(path, name, TopLevelFields);
                        }

                        break;
                }
            }

            var resolvedDefaults = defaults is { } d ? ParseDefaults(d, JsonPath.Property(JsonPath.Root, "serverDefaults")) : Defaults.None;

            if (servers is not { } serverObject)
            {
                Error(JsonPath.Property(JsonPath.Root, "mcpServers"), "The required property 'mcpServers' is missing.");
                return Result([]);
            }

            var serversPath = JsonPath.Property(JsonPath.Root, "mcpServers");
            if (serverObject.ValueKind != JsonValueKind.Object)
            {
                Error(serversPath, $"'mcpServers' must be an object mapping server names to servers, got {Describe(serverObject)}.");
                return Result([]);
            }

            var backends = new List<BackendSettings>();
            // Names end up in URLs and capability prefixes, where case-only differences would collide.
            var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in serverObject.EnumerateObject())
            {
                var name = entry.Name;
                var path = JsonPath.Property(serversPath, name);
                var nameValid = true;

                if (seen.TryGetValue(name, out var earlier))
                {
                    nameValid = false;
                    Error(path, string.Equals(earlier, name, StringComparison.Ordinal)
                        ? $"Server '{name}' is defined more than once."
                        : $"Server name '{name}' differs from '{earlier}' only in case; server names must be unique ignoring case.");
                }
                else
                {
                    seen.Add(name, name);
                }

                if (!ServerName.TryValidate(name, out var nameError))
                {
                    nameValid = false;
                    Error(path, nameError);
                }

                if (ParseServer(name, entry.Value, path, resolvedDefaults, nameValid) is { } backend)
                {
                    backends.Add(backend);
                }
            }

            return Result(backends);
        }

        private McpConfigParseResult Result(List<BackendSettings> backends) => new(backends, _errors, _warnings);

        private Defaults ParseDefaults(JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(path, $"'serverDefaults' must be an object, got {Describe(element)}.");
                return Defaults.None;
            }

            var raw = new RawEntry();
            foreach (var (name, value, fieldPath) in Properties(element, path))
            {
                if (IgnoredDefaultsFields.Contains(name))
                {
                    Warn(fieldPath, $"'{name}' is a 1MCP setting OneMcp does not support; it is ignored.");
                }
                else if (!DefaultsFields.Contains(name, StringComparer.Ordinal))
                {
                    var known = ServerFields.Contains(name, StringComparer.Ordinal);
                    if (known)
                    {
                        Error(fieldPath, $"'{name}' cannot be set in serverDefaults; allowed are {string.Join(", ", DefaultsFields)}.");
                    }
                    else
                    {
                        UnknownField(fieldPath, name, DefaultsFields);
                    }
                }
                else
                {
                    ReadField(raw, name, value, fieldPath);
                }
            }

            Dictionary<string, string>? env = null;
            if (raw.Env is { } envEntries)
            {
                env = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var e in envEntries)
                {
                    env[e.Key] = e.Substitute ? Resolve(e.Value, e.Path, lenient: false) : e.Value;
                }
            }

            return new Defaults(
                env,
                raw.Headers is { } headers ? ResolveHeaders(headers, lenient: false) : null,
                raw.OAuth is { } oauth ? ResolveOAuth(oauth, lenient: false) : null,
                raw.ConnectionTimeout,
                raw.RequestTimeout,
                raw.Timeout,
                raw.RestartOnExit,
                raw.MaxRestarts,
                raw.RestartDelay);
        }

        private BackendSettings? ParseServer(string name, JsonElement element, string path, Defaults defaults, bool nameValid)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                Error(path, $"A server entry must be an object, got {Describe(element)}.");
                return null;
            }

            var errorsBefore = _errors.Count;
            var raw = new RawEntry();
            foreach (var (field, value, fieldPath) in Properties(element, path))
            {
                if (IgnoredServerFields.Contains(field))
                {
                    Warn(fieldPath, $"'{field}' is a 1MCP setting OneMcp does not support; it is ignored.");
                }
                else if (!ServerFields.Contains(field, StringComparer.Ordinal))
                {
                    UnknownField(fieldPath, field, ServerFields);
                }
                else
                {
                    ReadField(raw, field, value, fieldPath);
                }
            }

            // A server is often disabled precisely because its credentials are not available here, so a
            // missing variable in a disabled server is a warning rather than a reason to reject the file.
            var lenient = raw.Disabled == true;

            if (!TryResolveTransport(raw, path, out var transport, out var typeLabel))
            {
                return null;
            }

            var connectionTimeout = raw.ConnectionTimeout ?? raw.Timeout ?? defaults.ConnectionTimeout ?? defaults.Timeout;
            var requestTimeout = raw.RequestTimeout ?? raw.Timeout ?? defaults.RequestTimeout ?? defaults.Timeout;

            string? command = null;
            IReadOnlyList<string> args = [];
            string? cwd = null;
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            var restartOnExit = false;
            var maxRestarts = BackendSettings.DefaultMaxRestarts;
            var restartDelay = BackendSettings.DefaultRestartDelay;
            Uri? url = null;
            IReadOnlyDictionary<string, string> headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            BackendOAuthSettings? oauth = null;

            if (transport == BackendTransport.Stdio)
            {
                if (raw.Url is { } misplacedUrl)
                {
                    Error(misplacedUrl.Path, $"'url' is not valid for a server of type {typeLabel}.");
                }

                WarnIgnored(raw, typeLabel, "headers", "oauth");

                if (!raw.PresentPaths.ContainsKey("command"))
                {
                    Error(JsonPath.Property(path, "command"), $"A server of type {typeLabel} needs 'command'.");
                }
                else if (raw.Command is { } rawCommand)
                {
                    command = Resolve(rawCommand.Value, rawCommand.Path, lenient);
                    if (string.IsNullOrWhiteSpace(command))
                    {
                        Error(rawCommand.Path, "'command' must not be empty.");
                    }
                }

                args = raw.Args?.Select(a => Resolve(a.Value, a.Path, lenient)).ToList() ?? [];

                if (raw.Cwd is { } rawCwd)
                {
                    // An empty result (e.g. "${PROJECT_DIR:-}") means "no working directory set".
                    var resolved = Resolve(rawCwd.Value, rawCwd.Path, lenient);
                    cwd = resolved.Length == 0 ? null : resolved;
                }

                // Key by key, the server winning; both the object and the array form take part.
                if (defaults.Env is { } defaultEnv)
                {
                    foreach (var (key, value) in defaultEnv)
                    {
                        env[key] = value;
                    }
                }

                foreach (var e in raw.Env ?? [])
                {
                    env[e.Key] = e.Substitute ? Resolve(e.Value, e.Path, lenient) : e.Value;
                }

                restartOnExit = raw.RestartOnExit ?? defaults.RestartOnExit ?? false;
                maxRestarts = raw.MaxRestarts ?? defaults.MaxRestarts ?? BackendSettings.DefaultMaxRestarts;
                restartDelay = (raw.RestartDelay ?? defaults.RestartDelay) is { } delay
                    ? TimeSpan.FromMilliseconds(delay)
                    : BackendSettings.DefaultRestartDelay;
            }
            else
            {
                if (raw.Command is { } misplacedCommand)
                {
                    Error(misplacedCommand.Path, $"'command' is not valid for a server of type {typeLabel}.");
                }

                WarnIgnored(raw, typeLabel, "args", "cwd", "env", "restartOnExit", "maxRestarts", "restartDelay");

                if (!raw.PresentPaths.ContainsKey("url"))
                {
                    Error(JsonPath.Property(path, "url"), $"A server of type {typeLabel} needs 'url'.");
                }
                else if (raw.Url is { } rawUrl && Substitute(rawUrl.Value, rawUrl.Path, lenient) is { } resolvedUrl)
                {
                    url = ParseHttpUrl(resolvedUrl, rawUrl.Path, "url");
                }

                // Replaced wholesale: a server's own headers or oauth say everything it needs.
                headers = raw.Headers is { } rawHeaders
                    ? ResolveHeaders(rawHeaders, lenient)
                    : defaults.Headers ?? headers;
                oauth = raw.OAuth is { } rawOAuth ? ResolveOAuth(rawOAuth, lenient) : defaults.OAuth;
            }

            if (!nameValid || _errors.Count > errorsBefore)
            {
                return null;
            }

            return new BackendSettings
            {
                Name = ServerName.From(name),
                Transport = transport,
                Command = command,
                Args = args,
                WorkingDirectory = cwd,
                Environment = env,
                RestartOnExit = restartOnExit,
                MaxRestarts = maxRestarts,
                RestartDelay = restartDelay,
                Url = url,
                Headers = headers,
                OAuth = oauth,
                ConnectionTimeout = connectionTimeout is { } ct ? TimeSpan.FromMilliseconds(ct) : BackendSettings.DefaultConnectionTimeout,
                RequestTimeout = requestTimeout is { } rt ? TimeSpan.FromMilliseconds(rt) : BackendSettings.DefaultRequestTimeout,
                Tags = raw.Tags ?? [],
                Disabled = raw.Disabled ?? false,
                DisabledTools = raw.DisabledTools ?? new HashSet<string>(StringComparer.Ordinal),
                ToolDescriptionOverrides = raw.ToolDescriptionOverrides ?? new Dictionary<string, string>(StringComparer.Ordinal),
                InstructionOverride = raw.InstructionOverride,
            };
        }

        private bool TryResolveTransport(RawEntry raw, string path, out BackendTransport transport, out string typeLabel)
        {
            transport = BackendTransport.Stdio;
            typeLabel = "stdio";
            if (raw.Type is { } type)
            {
                typeLabel = type.Value;
                switch (type.Value)
                {
                    case "stdio":
                        transport = BackendTransport.Stdio;
                        return true;
                    case "http" or "streamableHttp":
                        transport = BackendTransport.StreamableHttp;
                        return true;
                    case "sse":
                        transport = BackendTransport.Sse;
                        return true;
                    default:
                        Error(type.Path, $"Unknown server type '{type.Value}'; expected stdio, http, streamableHttp or sse.");
                        return false;
                }
            }

            // Presence, not validity, decides: a wrongly typed "command" was already reported and should not
            // also produce "needs 'command' or 'url'".
            var hasCommand = raw.PresentPaths.ContainsKey("command");
            var hasUrl = raw.PresentPaths.ContainsKey("url");
            if (hasCommand && hasUrl)
            {
                Error(path, "A server cannot have both 'command' and 'url'; set 'type' to say which transport it uses.");
                return false;
            }

            if (hasCommand)
            {
                return true;
            }

            if (hasUrl)
            {
                transport = BackendTransport.StreamableHttp;
                typeLabel = "http";
                return true;
            }

            Error(path, "A server needs 'command' (a stdio server) or 'url' (an http or sse server).");
            return false;
        }

        private void WarnIgnored(RawEntry raw, string typeLabel, params string[] fields)
        {
            foreach (var field in fields)
            {
                if (raw.PresentPaths.TryGetValue(field, out var fieldPath))
                {
                    Warn(fieldPath, $"'{field}' has no effect on a server of type {typeLabel}; it is ignored.");
                }
            }
        }

        private void ReadField(RawEntry raw, string name, JsonElement value, string path)
        {
            raw.PresentPaths[name] = path;
            switch (name)
            {
                case "type":
                    raw.Type = ReadLocatedString(value, path);
                    break;
                case "command":
                    raw.Command = ReadLocatedString(value, path);
                    break;
                case "args":
                    raw.Args = ReadStringArray(value, path);
                    break;
                case "cwd":
                    raw.Cwd = ReadLocatedString(value, path);
                    break;
                case "env":
                    raw.Env = ReadEnv(value, path);
                    break;
                case "url":
                    raw.Url = ReadLocatedString(value, path);
                    break;
                case "headers":
                    raw.Headers = ReadHeaders(value, path);
                    break;
                case "tags":
                    raw.Tags = ReadTags(value, path);
                    break;
                case "disabled":
                    if (value.ValueKind == JsonValueKind.String)
                    {
                        Error(path, "Expected true or false; 1MCP template conditions are not supported.");
                    }
                    else
                    {
                        raw.Disabled = ReadBool(value, path);
                    }

                    break;
                case "disabledTools":
                    raw.DisabledTools = ReadDisabledTools(value, path);
                    break;
                case "toolDescriptionOverrides":
                    raw.ToolDescriptionOverrides = ReadDescriptionOverrides(value, path);
                    break;
                case "instructionOverride":
                    raw.InstructionOverride = ReadLocatedString(value, path)?.Value;
                    break;
                case "connectionTimeout":
                    raw.ConnectionTimeout = ReadMilliseconds(value, path, allowZero: false);
                    break;
                case "requestTimeout":
                    raw.RequestTimeout = ReadMilliseconds(value, path, allowZero: false);
                    break;
                case "timeout":
                    Warn(path, "'timeout' is deprecated; use 'connectionTimeout' and 'requestTimeout'.");
                    raw.Timeout = ReadMilliseconds(value, path, allowZero: false);
                    break;
                case "restartOnExit":
                    raw.RestartOnExit = ReadBool(value, path);
                    break;
                case "maxRestarts":
                    raw.MaxRestarts = ReadCount(value, path);
                    break;
                case "restartDelay":
                    raw.RestartDelay = ReadMilliseconds(value, path, allowZero: true);
                    break;
                case "oauth":
                    raw.OAuth = ReadOAuth(value, path);
                    break;
                default:
                    throw new InvalidOperationException($"No reader for field '{name}'.");
            }
        }

        private Located<string>? ReadLocatedString(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                Error(path, $"Expected a string, got {Describe(value)}.");
                return null;
            }

            return new Located<string>(value.GetString()!, path);
        }

        private bool? ReadBool(JsonElement value, string path)
        {
            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return value.GetBoolean();
            }

            Error(path, $"Expected true or false, got {Describe(value)}.");
            return null;
        }

        private long? ReadMilliseconds(JsonElement value, string path, bool allowZero)
        {
            if (value.ValueKind != JsonValueKind.Number)
            {
                Error(path, $"Expected a number of milliseconds, got {Describe(value)}.");
                return null;
            }

            if (!value.TryGetInt64(out var ms))
            {
                Error(path, "Expected a whole number of milliseconds.");
                return null;
            }

            if (ms < 0 || (ms == 0 && !allowZero))
            {
                Error(path, allowZero ? "Must not be negative." : "Must be a positive number of milliseconds.");
                return null;
            }

            // Timers take at most int.MaxValue milliseconds (about 24 days); anything longer is a mistake.
            if (ms > int.MaxValue)
            {
                Error(path, string.Create(CultureInfo.InvariantCulture, $"Must be at most {int.MaxValue} milliseconds."));
                return null;
            }

            return ms;
        }

        private int? ReadCount(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.Number)
            {
                Error(path, $"Expected a whole number, got {Describe(value)}.");
                return null;
            }

            if (!value.TryGetInt32(out var count))
            {
                Error(path, "Expected a whole number.");
                return null;
            }

            if (count < 0)
            {
                Error(path, "Must not be negative (0 means unlimited).");
                return null;
            }

            return count;
        }

        private List<Located<string>>? ReadStringArray(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                Error(path, $"Expected an array of strings, got {Describe(value)}.");
                return null;
            }

            var items = new List<Located<string>>();
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (ReadLocatedString(item, JsonPath.Index(path, index)) is { } s)
                {
                    items.Add(s);
                }

                index++;
            }

            return items;
        }

        private List<EnvEntry>? ReadEnv(JsonElement value, string path)
        {
            var entries = new List<EnvEntry>();
            if (value.ValueKind == JsonValueKind.Object)
            {
                foreach (var (key, item, itemPath) in Properties(value, path))
                {
                    if (!IsEnvironmentKey(key))
                    {
                        Error(itemPath, $"'{key}' is not a valid environment variable name.");
                    }
                    else if (ReadLocatedString(item, itemPath) is { } s)
                    {
                        entries.Add(new EnvEntry(key, s.Value, itemPath, Substitute: true));
                    }
                }

                return entries;
            }

            if (value.ValueKind != JsonValueKind.Array)
            {
                Error(path, $"Expected an object of strings or an array of \"NAME=value\" / \"NAME\" strings, got {Describe(value)}.");
                return null;
            }

            foreach (var item in ReadStringArray(value, path) ?? [])
            {
                var separator = item.Value.IndexOf('=', StringComparison.Ordinal);
                var key = (separator >= 0 ? item.Value[..separator] : item.Value).Trim();
                if (!IsEnvironmentKey(key))
                {
                    Error(item.Path, "Expected \"NAME=value\" or \"NAME\" with a valid variable name.");
                }
                else if (separator >= 0)
                {
                    entries.Add(new EnvEntry(key, item.Value[(separator + 1)..], item.Path, Substitute: true));
                }
                else if (environment(key) is { } inherited)
                {
                    // A bare NAME passes the gateway's own variable through; an unset one is simply absent.
                    entries.Add(new EnvEntry(key, inherited, item.Path, Substitute: false));
                }
            }

            return entries;
        }

        private List<(string Name, Located<string> Value)>? ReadHeaders(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                Error(path, $"Expected an object of header names to strings, got {Describe(value)}.");
                return null;
            }

            var headers = new List<(string, Located<string>)>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, item, itemPath) in Properties(value, path))
            {
                if (!IsHeaderName(name))
                {
                    Error(itemPath, $"'{name}' is not a valid HTTP header name.");
                }
                else if (!seen.Add(name))
                {
                    Error(itemPath, $"Header '{name}' is set more than once (header names are case-insensitive).");
                }
                else if (ReadLocatedString(item, itemPath) is { } s)
                {
                    headers.Add((name, s));
                }
            }

            return headers;
        }

        private List<Tag>? ReadTags(JsonElement value, string path)
        {
            var items = ReadStringArray(value, path);
            if (items is null)
            {
                return null;
            }

            var tags = new List<Tag>();
            foreach (var item in items)
            {
                if (!Tag.TryParse(item.Value, out var tag, out var error))
                {
                    Error(item.Path, error);
                }
                else if (!tags.Contains(tag))
                {
                    tags.Add(tag);
                }
            }

            return tags;
        }

        private HashSet<string>? ReadDisabledTools(JsonElement value, string path)
        {
            var items = ReadStringArray(value, path);
            if (items is null)
            {
                return null;
            }

            var tools = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                if (string.IsNullOrWhiteSpace(item.Value))
                {
                    Error(item.Path, "A tool name must not be empty.");
                }
                else
                {
                    tools.Add(item.Value);
                }
            }

            return tools;
        }

        private Dictionary<string, string>? ReadDescriptionOverrides(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                Error(path, $"Expected an object of tool names to descriptions, got {Describe(value)}.");
                return null;
            }

            var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (tool, item, itemPath) in Properties(value, path))
            {
                if (string.IsNullOrWhiteSpace(tool) || !string.Equals(tool, tool.Trim(), StringComparison.Ordinal))
                {
                    Error(itemPath, "A tool name must not be empty or start or end with whitespace.");
                }
                else if (ReadLocatedString(item, itemPath) is { } description)
                {
                    if (string.IsNullOrWhiteSpace(description.Value))
                    {
                        // An empty description would hide what the tool does from the model; use disabledTools.
                        Error(itemPath, "A description override must not be blank; use 'disabledTools' to hide a tool.");
                    }
                    else
                    {
                        overrides[tool] = description.Value;
                    }
                }
            }

            return overrides;
        }

        private RawOAuth? ReadOAuth(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                Error(path, $"Expected an object, got {Describe(value)}.");
                return null;
            }

            var oauth = new RawOAuth();
            foreach (var (name, item, itemPath) in Properties(value, path))
            {
                switch (name)
                {
                    case "clientId":
                        oauth.ClientId = ReadLocatedString(item, itemPath);
                        break;
                    case "clientSecret":
                        oauth.ClientSecret = ReadLocatedString(item, itemPath);
                        break;
                    case "scopes":
                        oauth.Scopes = ReadStringArray(item, itemPath);
                        break;
                    case "redirectUrl":
                        oauth.RedirectUrl = ReadLocatedString(item, itemPath);
                        break;
                    default:
                        if (IgnoredOAuthFields.Contains(name))
                        {
                            Warn(itemPath, $"'{name}' is a 1MCP setting OneMcp does not support; it is ignored.");
                        }
                        else
                        {
                            UnknownField(itemPath, name, OAuthFields);
                        }

                        break;
                }
            }

            return oauth;
        }

        private Dictionary<string, string> ResolveHeaders(List<(string Name, Located<string> Value)> headers, bool lenient)
        {
            var resolved = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in headers)
            {
                resolved[name] = Resolve(value.Value, value.Path, lenient);
            }

            return resolved;
        }

        private BackendOAuthSettings ResolveOAuth(RawOAuth oauth, bool lenient)
        {
            Uri? redirect = null;
            if (oauth.RedirectUrl is { } rawRedirect && Substitute(rawRedirect.Value, rawRedirect.Path, lenient) is { } redirectText)
            {
                redirect = ParseHttpUrl(redirectText, rawRedirect.Path, "redirectUrl");
            }

            return new BackendOAuthSettings(
                oauth.ClientId is { } id ? Resolve(id.Value, id.Path, lenient) : null,
                oauth.ClientSecret is { } secret ? Resolve(secret.Value, secret.Path, lenient) : null,
                oauth.Scopes?.Select(s => Resolve(s.Value, s.Path, lenient)).ToList() ?? [],
                redirect);
        }

        private Uri? ParseHttpUrl(string text, string path, string field)
        {
            // The value is not echoed: after substitution a URL may carry a token in its query string.
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri)
                && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            Error(path, $"'{field}' must be an absolute http or https URL.");
            return null;
        }

        /// <summary>Substituted text, or the text as written when a reference could not be resolved.</summary>
        private string Resolve(string text, string path, bool lenient) => Substitute(text, path, lenient) ?? text;

        /// <summary>Substituted text, or null when a reference could not be resolved (reported at <paramref name="path"/>).</summary>
        private string? Substitute(string text, string path, bool lenient)
        {
            var problems = new List<string>();
            var result = EnvironmentSubstitution.Substitute(text, environment, problems);
            if (problems.Count == 0)
            {
                return result;
            }

            foreach (var problem in problems)
            {
                if (lenient)
                {
                    Warn(path, problem + " The server is disabled, so this is not an error yet.");
                }
                else
                {
                    Error(path, problem);
                }
            }

            return null;
        }

        /// <summary>The properties of an object, reporting and skipping repeated names (JSON allows them, we do not).</summary>
        private List<(string Name, JsonElement Value, string Path)> Properties(JsonElement element, string path)
        {
            var properties = new List<(string, JsonElement, string)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var propertyPath = JsonPath.Property(path, property.Name);
                if (!seen.Add(property.Name))
                {
                    Error(propertyPath, $"'{property.Name}' is set more than once.");
                    continue;
                }

                properties.Add((property.Name, property.Value, propertyPath));
            }

            return properties;
        }

        private void UnknownField(string path, string name, IEnumerable<string> known)
        {
            var suggestion = Suggest(name, known);
            Error(path, suggestion is null
                ? $"Unknown field '{name}'."
                : $"Unknown field '{name}'; did you mean '{suggestion}'?");
        }

        private void Error(string path, string message) => _errors.Add(new ConfigError(path, message));

        private void Warn(string path, string message) => _warnings.Add(new ConfigWarning(path, message));
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static bool IsEnvironmentKey(string key) =>
        key.Length > 0 && !key.Contains('=', StringComparison.Ordinal) && !key.Contains('\0', StringComparison.Ordinal)
        && !key.Any(char.IsWhiteSpace);

    // RFC 9110 token characters.
    private static bool IsHeaderName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));

    /// <summary>The closest known field to a typo, so "comand" points at "command".</summary>
    private static string? Suggest(string name, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = Distance(name.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        return bestDistance <= Math.Max(1, Math.Min(name.Length, 9) / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
