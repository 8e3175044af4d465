using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Turns one server entry as written (<see cref="RawServerEntry"/>) into <see cref="BackendSettings"/>: decides the
/// transport, applies its rules (what it needs, what is not valid on it, what has no effect on it), merges
/// <c>serverDefaults</c> and substitutes <c>${VAR}</c>. Every problem is reported to the diagnostics.
/// </summary>
/// <param name="diagnostics">Where problems are reported.</param>
/// <param name="environment">The variables <c>${VAR}</c> reads; null takes every string literally (the REST API).</param>
internal sealed class ServerDefinitionAssembler(ConfigDiagnostics diagnostics, Func<string, string?>? environment)
{
    private readonly record struct StdioParts(
        string? Command,
        IReadOnlyList<string> Args,
        string? WorkingDirectory,
        IReadOnlyDictionary<string, string> Environment,
        bool RestartOnExit,
        int MaxRestarts,
        TimeSpan RestartDelay);

    private readonly record struct HttpParts(Uri? Url, IReadOnlyDictionary<string, string> Headers, BackendOAuthSettings? OAuth, ConnectionApproval Approval);

    /// <summary>serverDefaults, substituted strictly (they apply to enabled servers too).</summary>
    public ServerDefaults AssembleDefaults(RawServerEntry raw)
    {
        Dictionary<string, string>? env = null;
        if (raw.Env is { } envEntries)
        {
            env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var e in envEntries)
            {
                env[e.Key] = EnvironmentValue(e.Substitute ? Resolve(e.Value, e.Path, lenient: false) : e.Value, e.Path);
            }
        }

        return new ServerDefaults(
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

    /// <summary>
    /// The settings of one server, or null when it has a problem (reported) or <paramref name="name"/> is null
    /// (an invalid or repeated name, reported by the caller). <paramref name="path"/> locates the entry.
    /// </summary>
    public BackendSettings? Assemble(ServerName? name, RawServerEntry raw, string path, ServerDefaults defaults)
    {
        var errorsBefore = diagnostics.ErrorCount;

        // A server is often disabled precisely because its credentials are not available here, so a
        // missing variable in a disabled server is a warning rather than a reason to reject the file.
        var lenient = raw.Disabled == true;

        if (!TryResolveTransport(raw, path, out var transport, out var typeLabel))
        {
            return null;
        }

        var credentials = raw.Credentials is { } mode ? ServerFieldRules.CheckCredentials(mode, diagnostics) : BackendCredentialMode.Shared;
        var perUser = credentials == BackendCredentialMode.PerUser;
        var stdio = transport == BackendTransport.Stdio ? AssembleStdio(raw, path, typeLabel, defaults, lenient, perUser) : default(StdioParts?);
        var http = transport == BackendTransport.Stdio ? default(HttpParts?) : AssembleHttp(raw, path, typeLabel, defaults, lenient, perUser);
        if (credentials == BackendCredentialMode.Shared)
        {
            WarnShared(raw, "idleTimeoutMinutes", "maxInstances", "approval");
        }

        if (name is null || diagnostics.ErrorCount > errorsBefore)
        {
            return null;
        }

        // A field present with a wrong JSON type was reported by the reader and left no value to build with.
        BackendSettings? settings = (stdio, http) switch
        {
            ({ Command: { } command } s, _) => new StdioBackendSettings
            {
                Name = name.Value,
                Command = command,
                Args = s.Args,
                WorkingDirectory = s.WorkingDirectory,
                Environment = s.Environment,
                RestartOnExit = s.RestartOnExit,
                MaxRestarts = s.MaxRestarts,
                RestartDelay = s.RestartDelay,
                IdleTimeout = raw.IdleTimeoutMinutes is { } idle ? ServerFieldRules.MinutesAsWholeMilliseconds(idle) : StdioBackendSettings.DefaultIdleTimeout,
                MaxInstances = raw.MaxInstances ?? StdioBackendSettings.DefaultMaxInstances,
            },
            (_, { Url: { } url } h) when transport == BackendTransport.Sse => new SseBackendSettings
            {
                Name = name.Value, Url = url, Headers = h.Headers, OAuth = h.OAuth, Approval = h.Approval,
            },
            (_, { Url: { } url } h) => new StreamableHttpBackendSettings
            {
                Name = name.Value, Url = url, Headers = h.Headers, OAuth = h.OAuth, Approval = h.Approval,
            },
            _ => null,
        };
        return settings is null ? null : WithCommonFields(settings, raw, defaults) with { Credentials = credentials ?? BackendCredentialMode.Shared };
    }

    /// <summary>Timeouts (the most specific setting wins) and the metadata, which mean the same on every transport.</summary>
    private static BackendSettings WithCommonFields(BackendSettings settings, RawServerEntry raw, ServerDefaults defaults)
    {
        var connectionTimeout = raw.ConnectionTimeout ?? raw.Timeout ?? defaults.ConnectionTimeout ?? defaults.Timeout;
        var requestTimeout = raw.RequestTimeout ?? raw.Timeout ?? defaults.RequestTimeout ?? defaults.Timeout;
        return settings with
        {
            ConnectionTimeout = connectionTimeout is { } ct ? TimeSpan.FromMilliseconds(ct) : BackendSettings.DefaultConnectionTimeout,
            RequestTimeout = requestTimeout is { } rt ? TimeSpan.FromMilliseconds(rt) : BackendSettings.DefaultRequestTimeout,
            Tags = raw.Tags ?? [],
            Disabled = raw.Disabled ?? false,
            DisabledTools = raw.DisabledTools ?? new HashSet<string>(StringComparer.Ordinal),
            ToolDescriptionOverrides = raw.ToolDescriptionOverrides ?? new Dictionary<string, string>(StringComparer.Ordinal),
            InstructionOverride = raw.InstructionOverride,
        };
    }

    /// <summary>
    /// The transport named by <c>type</c>, or inferred from <c>command</c> (stdio) or <c>url</c> (http).
    /// <paramref name="typeLabel"/> is how messages name it: as written, or as inferred.
    /// </summary>
    private bool TryResolveTransport(RawServerEntry raw, string path, out BackendTransport transport, out string typeLabel)
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
                    diagnostics.Error(type.Path, $"Unknown server type '{type.Value}'; expected stdio, http, streamableHttp or sse.");
                    return false;
            }
        }

        // Presence, not validity, decides: a wrongly typed "command" was already reported and should not
        // also produce "needs 'command' or 'url'".
        var hasCommand = raw.PresentPaths.ContainsKey("command");
        var hasUrl = raw.PresentPaths.ContainsKey("url");
        if (hasCommand && hasUrl)
        {
            diagnostics.Error(path, "A server cannot have both 'command' and 'url'; set 'type' to say which transport it uses.");
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

        diagnostics.Error(path, "A server needs 'command' (a stdio server) or 'url' (an http or sse server).");
        return false;
    }

    private StdioParts AssembleStdio(RawServerEntry raw, string path, string typeLabel, ServerDefaults defaults, bool lenient, bool perUser)
    {
        if (raw.Url is { } misplacedUrl)
        {
            diagnostics.Error(misplacedUrl.Path, $"'url' is not valid for a server of type {typeLabel}.");
        }

        WarnIgnored(raw, typeLabel, "headers", "oauth", "approval");

        var command = ResolveCommand(raw, path, typeLabel, lenient);
        var args = raw.Args?.Select(a => Resolve(a.Value, a.Path, lenient)).ToList() ?? [];
        var cwd = ResolveWorkingDirectory(raw, lenient);
        var env = MergeEnvironment(raw, defaults, lenient, perUser);

        var restartOnExit = raw.RestartOnExit ?? defaults.RestartOnExit ?? false;
        var maxRestarts = raw.MaxRestarts ?? defaults.MaxRestarts ?? BackendSettings.DefaultMaxRestarts;
        var restartDelay = (raw.RestartDelay ?? defaults.RestartDelay) is { } delay
            ? TimeSpan.FromMilliseconds(delay)
            : BackendSettings.DefaultRestartDelay;
        return new StdioParts(command, args, cwd, env, restartOnExit, maxRestarts, restartDelay);
    }

    private string? ResolveCommand(RawServerEntry raw, string path, string typeLabel, bool lenient)
    {
        if (!raw.PresentPaths.ContainsKey("command"))
        {
            diagnostics.Error(JsonPath.Property(path, "command"), $"A server of type {typeLabel} needs 'command'.");
            return null;
        }

        if (raw.Command is not { } rawCommand)
        {
            return null; // present but not a string: already reported
        }

        var command = Resolve(rawCommand.Value, rawCommand.Path, lenient);
        if (string.IsNullOrWhiteSpace(command))
        {
            diagnostics.Error(rawCommand.Path, "'command' must not be empty.");
        }

        return command;
    }

    private string? ResolveWorkingDirectory(RawServerEntry raw, bool lenient)
    {
        if (raw.Cwd is not { } rawCwd)
        {
            return null;
        }

        // An empty result (e.g. "${PROJECT_DIR:-}") means "no working directory set".
        var resolved = Resolve(rawCwd.Value, rawCwd.Path, lenient);
        return resolved.Length == 0 ? null : resolved;
    }

    /// <summary>Key by key, the server winning; both the object and the array form take part.</summary>
    private Dictionary<string, string> MergeEnvironment(RawServerEntry raw, ServerDefaults defaults, bool lenient, bool perUser)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (defaults.Env is { } defaultEnv)
        {
            foreach (var (key, value) in defaultEnv)
            {
                env[key] = value;
            }
        }

        foreach (var e in raw.Env ?? [])
        {
            env[e.Key] = EnvironmentValue(e.Substitute ? Resolve(e.Value, e.Path, lenient, userSecretsAllowed: perUser) : e.Value, e.Path);
        }

        return env;
    }

    private HttpParts AssembleHttp(RawServerEntry raw, string path, string typeLabel, ServerDefaults defaults, bool lenient, bool perUser)
    {
        if (raw.Command is { } misplacedCommand)
        {
            diagnostics.Error(misplacedCommand.Path, $"'command' is not valid for a server of type {typeLabel}.");
        }

        WarnIgnored(raw, typeLabel, "args", "cwd", "env", "restartOnExit", "maxRestarts", "restartDelay", "idleTimeoutMinutes", "maxInstances");

        Uri? url = null;
        if (!raw.PresentPaths.ContainsKey("url"))
        {
            diagnostics.Error(JsonPath.Property(path, "url"), $"A server of type {typeLabel} needs 'url'.");
        }
        else if (raw.Url is { } rawUrl)
        {
            // Unresolved only in a disabled server (otherwise it is an error): kept as written, never connected. A
            // reference in the host ("https://${HOST}/mcp") is no URI at all: kept escaped, as a relative URI, so the
            // server stays in the file's backends (dropping it would delete its stored backend and credentials).
            url = Substitute(rawUrl.Value, rawUrl.Path, lenient) is { } resolvedUrl
                ? ParseHttpUrl(resolvedUrl, rawUrl.Path, "url")
                : Uri.TryCreate(rawUrl.Value, UriKind.RelativeOrAbsolute, out var asWritten) ? asWritten
                : new Uri(Uri.EscapeDataString(rawUrl.Value), UriKind.Relative);
        }

        // Replaced wholesale: a server's own headers or oauth say everything it needs.
        var headers = raw.Headers is { } rawHeaders
            ? ResolveHeaders(rawHeaders, lenient, userSecretsAllowed: perUser)
            : defaults.Headers ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var oauth = raw.OAuth is { } rawOAuth ? ResolveOAuth(rawOAuth, lenient) : defaults.OAuth;
        var approval = raw.Approval is { } rawApproval ? ServerFieldRules.CheckApproval(rawApproval, diagnostics) : null;
        return new HttpParts(url, headers, oauth, approval ?? ConnectionApproval.Self);
    }

    private void WarnShared(RawServerEntry raw, params string[] fields)
    {
        foreach (var field in fields)
        {
            if (raw.PresentPaths.TryGetValue(field, out var fieldPath))
            {
                diagnostics.Warn(fieldPath, $"'{field}' has no effect on a backend with shared credentials (set \"credentials\": \"perUser\"); it is ignored.");
            }
        }
    }

    private void WarnIgnored(RawServerEntry raw, string typeLabel, params string[] fields)
    {
        foreach (var field in fields)
        {
            if (raw.PresentPaths.TryGetValue(field, out var fieldPath))
            {
                diagnostics.Warn(fieldPath, $"'{field}' has no effect on a server of type {typeLabel}; it is ignored.");
            }
        }
    }

    private Dictionary<string, string> ResolveHeaders(List<(string Name, Located<string> Value)> headers, bool lenient, bool userSecretsAllowed = false)
    {
        var resolved = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            resolved[name] = Resolve(value.Value, value.Path, lenient, userSecretsAllowed);
            ServerFieldRules.CheckHeaderValue(resolved[name], value.Path, diagnostics);
        }

        return resolved;
    }

    /// <summary>The value of an environment variable, checked after substitution (a variable may bring the problem).</summary>
    private string EnvironmentValue(string value, string path)
    {
        ServerFieldRules.CheckEnvironmentValue(value, path, diagnostics);
        return value;
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

        diagnostics.Error(path, $"'{field}' must be an absolute http or https URL.");
        return null;
    }

    /// <summary>Substituted text, or the text as written when a reference could not be resolved.</summary>
    private string Resolve(string text, string path, bool lenient, bool userSecretsAllowed = false) =>
        Substitute(text, path, lenient, userSecretsAllowed) ?? text;

    /// <summary>
    /// Substituted text, or null when a reference could not be resolved (reported at <paramref name="path"/>). A
    /// <c>${user:NAME}</c> is kept for the runtime where <paramref name="userSecretsAllowed"/> (a header or env value of
    /// a per-user backend) and an error anywhere else, even in a disabled server: there is no user to ask.
    /// </summary>
    private string? Substitute(string text, string path, bool lenient, bool userSecretsAllowed = false)
    {
        var result = environment is null ? text : EnvironmentSubstitution.Substitute(text, path, lenient, environment, diagnostics);
        ServerFieldRules.CheckUserReferences(result ?? text, path, userSecretsAllowed, diagnostics);
        return result;
    }
}
