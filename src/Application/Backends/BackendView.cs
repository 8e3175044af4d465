using OneMcp.Domain.Backends;

namespace OneMcp.Application.Backends;

/// <summary>
/// A stored backend as the REST API shows it: its definition in the mcp.json vocabulary and its live state.
/// Environment and header values, the OAuth client secret and URL credentials are never returned, only
/// redacted, because they usually are credentials.
/// </summary>
public sealed record BackendView
{
    public const string Redacted = "********";

    public required string Name { get; init; }
    public required BackendOrigin Origin { get; init; }
    public required bool Enabled { get; init; }
    public required int Version { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required string Type { get; init; }
    public string? Command { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public string? Cwd { get; init; }
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
    public string? Url { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> DisabledTools { get; init; } = [];
    public IReadOnlyDictionary<string, string> ToolDescriptionOverrides { get; init; } = new Dictionary<string, string>();
    public string? InstructionOverride { get; init; }
    public long ConnectionTimeout { get; init; }
    public long RequestTimeout { get; init; }
    public bool RestartOnExit { get; init; }
    public int MaxRestarts { get; init; }
    public long RestartDelay { get; init; }

    /// <summary><c>shared</c> or <c>perUser</c>.</summary>
    public string Credentials { get; init; } = "shared";

    /// <summary>Stdio: minutes a per-user instance may sit unused.</summary>
    public double? IdleTimeoutMinutes { get; init; }

    /// <summary>Stdio: how many per-user instances may run at once.</summary>
    public int? MaxInstances { get; init; }

    /// <summary>HTTP/SSE: <c>self</c> or <c>admin</c>, who approves a user's own OAuth tokens.</summary>
    public string? Approval { get; init; }

    /// <summary>HTTP/SSE: the OAuth client settings (mcp.json <c>oauth</c>) without the client secret; null when none are set.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("oauth")]
    public BackendOAuthSettingsView? OAuth { get; init; }

    /// <summary>
    /// The names of the <c>${user:NAME}</c> secrets each user enters for a per-user backend (never a value): what
    /// "My connections" asks for, so members see it too.
    /// </summary>
    public IReadOnlyList<string> UserSecrets { get; init; } = [];
    /// <summary>True when mcp.json itself says <c>disabled: true</c> (then enabling through the API has no effect).</summary>
    public bool DisabledInConfig { get; init; }
    public required BackendRuntimeView Runtime { get; init; }

    /// <summary>Set when scopes decide what tokens reach and this backend cannot be reached (no tag): a warning for operators.</summary>
    public string? ScopeWarning { get; init; }

    public const string UntaggedUnderScopeValidation = "This backend has no tag: under scope validation no token can reach it. Give it a tag.";

    public static BackendView From(BackendService backend, IBackendPool pool, Guid? pendingAuthorization = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(pool);
        var s = backend.Settings;
        var stdio = s as StdioBackendSettings;
        var http = s as HttpBackendSettings;
        return new BackendView
        {
            Name = backend.Name.Value,
            Origin = backend.Origin,
            Enabled = backend.Enabled,
            Version = backend.Version,
            CreatedAt = backend.CreatedAt,
            UpdatedAt = backend.UpdatedAt,
            Type = s.Transport switch
            {
                BackendTransport.Stdio => "stdio",
                BackendTransport.Sse => "sse",
                _ => "http",
            },
            Command = stdio?.Command,
            Args = stdio?.Args ?? [],
            Cwd = stdio?.WorkingDirectory,
            Env = (stdio?.Environment ?? new Dictionary<string, string>()).ToDictionary(kv => kv.Key, _ => Redacted, StringComparer.Ordinal),
            Url = http is { Url.IsAbsoluteUri: true } ? WithoutCredentials(http.Url) : null,
            Headers = (http?.Headers ?? new Dictionary<string, string>()).ToDictionary(kv => kv.Key, _ => Redacted, StringComparer.OrdinalIgnoreCase),
            Tags = [.. s.Tags.Select(t => t.Value)],
            DisabledTools = [.. s.DisabledTools.Order(StringComparer.Ordinal)],
            ToolDescriptionOverrides = s.ToolDescriptionOverrides,
            InstructionOverride = s.InstructionOverride,
            ConnectionTimeout = (long)s.ConnectionTimeout.TotalMilliseconds,
            RequestTimeout = (long)s.RequestTimeout.TotalMilliseconds,
            RestartOnExit = stdio?.RestartOnExit ?? false,
            MaxRestarts = stdio?.MaxRestarts ?? BackendSettings.DefaultMaxRestarts,
            RestartDelay = (long)(stdio?.RestartDelay ?? BackendSettings.DefaultRestartDelay).TotalMilliseconds,
            Credentials = s.IsPerUser ? "perUser" : "shared",
            IdleTimeoutMinutes = stdio?.IdleTimeout.TotalMinutes,
            MaxInstances = stdio?.MaxInstances,
            Approval = http is null ? null : http.Approval == ConnectionApproval.Admin ? "admin" : "self",
            OAuth = BackendOAuthSettingsView.From(http?.OAuth),
            UserSecrets = UserSecretReferences.In(s),
            DisabledInConfig = s.Disabled,
            Runtime = BackendRuntimeView.From(backend, pool, pendingAuthorization),
            _secretValues = [.. BackendErrorRedaction.SecretValuesOf(s)],
        };
    }

    // The values the view redacts (env, headers, client secret), kept out of JSON: ForMember cuts them out of the error too.
    private IReadOnlyList<string?> _secretValues = [];

    /// <summary>
    /// What a member (a signed-in user without the admin role) may see: which backends exist, how they are
    /// reached and how they are doing. Command lines, arguments, working folders, URL queries and the names of
    /// environment variables and headers often carry credentials (<c>--api-key=...</c>, <c>?token=...</c>) or
    /// describe the host, so they stay with the administrators who configure backends.
    /// </summary>
    public BackendView ForMember() => this with
    {
        Command = null,
        Args = [],
        Cwd = null,
        Env = new Dictionary<string, string>(),
        Headers = new Dictionary<string, string>(),
        Url = Url is null ? null : WithoutQuery(Url),
        ToolDescriptionOverrides = new Dictionary<string, string>(),
        InstructionOverride = null,
        OAuth = null,
        Runtime = Runtime with { LastError = Scrub(Runtime.LastError) },
    };

    // A start failure names what failed ("... working directory '/srv/x' ..."): the hidden values are cut out of it.
    private string? Scrub(string? error) => BackendErrorRedaction.Redact(
        error, [Url, Url is null ? null : Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri.Query.TrimStart('?') : null, Cwd, Command, .. Args, .. _secretValues]);

    // The URL as scheme, authority and path; a relative or malformed value (never stored) shows as nothing.
    private static string? WithoutQuery(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty }.Uri.ToString()
            : null;

    private static string WithoutCredentials(Uri url) =>
        string.IsNullOrEmpty(url.UserInfo) ? url.OriginalString : new UriBuilder(url) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();
}
