using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Persistence.Repositories;

/// <summary>
/// The JSON stored in <c>backends.settings</c>: every field of <see cref="BackendSettings"/> except the name (a
/// column of its own), with explicit names so a refactoring of the domain record cannot silently change the
/// stored format. Timeouts and delays are whole milliseconds, as in mcp.json. Environment values, header values
/// and the OAuth client secret are usually credentials: they are stored only inside <see cref="Secrets"/>, encrypted
/// with Data Protection (keys in the database, themselves encrypted with a key kept outside it), so a copy of the
/// database shows none of them; documents written before that keep them in clear until
/// <see cref="BackendServiceRepository.ProtectClearSecretsAsync"/> rewrites them.
/// </summary>
internal sealed class BackendSettingsDocument
{
    [JsonPropertyName("transport")]
    public string Transport { get; set; } = "";

    [JsonPropertyName("command")]
    public string? Command { get; set; }

    [JsonPropertyName("args")]
    public List<string> Args { get; set; } = [];

    [JsonPropertyName("cwd")]
    public string? Cwd { get; set; }

    [JsonPropertyName("env")]
    public Dictionary<string, string> Env { get; set; } = [];

    [JsonPropertyName("url")]
    public string? Url { get; set; }

    [JsonPropertyName("headers")]
    public Dictionary<string, string> Headers { get; set; } = [];

    [JsonPropertyName("oauth")]
    public OAuthDocument? OAuth { get; set; }

    [JsonPropertyName("tags")]
    public List<string> Tags { get; set; } = [];

    [JsonPropertyName("disabled")]
    public bool Disabled { get; set; }

    [JsonPropertyName("disabledTools")]
    public List<string> DisabledTools { get; set; } = [];

    [JsonPropertyName("toolDescriptionOverrides")]
    public Dictionary<string, string> ToolDescriptionOverrides { get; set; } = [];

    [JsonPropertyName("instructionOverride")]
    public string? InstructionOverride { get; set; }

    [JsonPropertyName("connectionTimeoutMs")]
    public long ConnectionTimeoutMs { get; set; }

    [JsonPropertyName("requestTimeoutMs")]
    public long RequestTimeoutMs { get; set; }

    [JsonPropertyName("restartOnExit")]
    public bool RestartOnExit { get; set; }

    [JsonPropertyName("maxRestarts")]
    public int MaxRestarts { get; set; }

    [JsonPropertyName("restartDelayMs")]
    public long RestartDelayMs { get; set; }

    /// <summary><c>shared</c> or <c>perUser</c>; absent in rows from before per-user backends (shared).</summary>
    [JsonPropertyName("credentials")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Credentials { get; set; }

    [JsonPropertyName("idleTimeoutMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? IdleTimeoutMs { get; set; }

    [JsonPropertyName("maxInstances")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxInstances { get; set; }

    /// <summary><c>self</c> or <c>admin</c> (HTTP/SSE); absent: self.</summary>
    [JsonPropertyName("approval")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Approval { get; set; }

    /// <summary>The protected <see cref="SecretsDocument"/> (base64), or null when the backend has no secret.</summary>
    [JsonPropertyName("secrets")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Secrets { get; set; }

    /// <summary>True when env values, header values or the client secret are stored in clear (a row from before encryption).</summary>
    [JsonIgnore]
    public bool HasClearSecrets => Env.Count > 0 || Headers.Count > 0 || OAuth?.ClientSecret is not null;

    public static string Serialize(BackendSettings settings, IDataProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var document = From(settings);
        var secrets = new SecretsDocument { Env = document.Env, Headers = document.Headers, ClientSecret = document.OAuth?.ClientSecret };
        if (secrets.Env.Count > 0 || secrets.Headers.Count > 0 || secrets.ClientSecret is not null)
        {
            document.Secrets = Convert.ToBase64String(protector.Protect(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(secrets, DbValues.Json)));
            document.Env = [];
            document.Headers = [];
            if (document.OAuth is not null)
            {
                document.OAuth.ClientSecret = null;
            }
        }

        return DbValues.ToJson(document);
    }

    public static BackendSettings Deserialize(string name, string json, IDataProtector protector) => Parse(json, protector).ToSettings(name);

    /// <summary>The stored document with its secrets decrypted into <see cref="Env"/>, <see cref="Headers"/> and the client secret.</summary>
    public static BackendSettingsDocument Parse(string json, IDataProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var document = DbValues.FromJson<BackendSettingsDocument>(json);
        if (document.Secrets is { } sealedSecrets)
        {
            var secrets = System.Text.Json.JsonSerializer.Deserialize<SecretsDocument>(protector.Unprotect(Convert.FromBase64String(sealedSecrets)), DbValues.Json)
                ?? throw new InvalidOperationException("The stored backend secrets are empty.");
            document.Env = secrets.Env;
            document.Headers = secrets.Headers;
            if (document.OAuth is not null)
            {
                document.OAuth.ClientSecret = secrets.ClientSecret;
            }

            document.Secrets = null;
        }

        return document;
    }

    /// <summary>
    /// The stored shape of <paramref name="s"/>. Every field is written for every transport, as before settings had a
    /// type per transport: the fields of the other transport hold their empty or default values.
    /// </summary>
    public static BackendSettingsDocument From(BackendSettings s)
    {
        var document = new BackendSettingsDocument
        {
            Transport = s.Transport switch
            {
                BackendTransport.Stdio => "stdio",
                BackendTransport.StreamableHttp => "streamableHttp",
                BackendTransport.Sse => "sse",
                _ => throw new ArgumentOutOfRangeException(nameof(s), s.Transport, "Unknown transport."),
            },
            Tags = [.. s.Tags.Select(t => t.Value)],
            Disabled = s.Disabled,
            DisabledTools = [.. s.DisabledTools.Order(StringComparer.Ordinal)],
            ToolDescriptionOverrides = new Dictionary<string, string>(s.ToolDescriptionOverrides, StringComparer.Ordinal),
            InstructionOverride = s.InstructionOverride,
            ConnectionTimeoutMs = (long)s.ConnectionTimeout.TotalMilliseconds,
            RequestTimeoutMs = (long)s.RequestTimeout.TotalMilliseconds,
            RestartOnExit = false,
            MaxRestarts = BackendSettings.DefaultMaxRestarts,
            RestartDelayMs = (long)BackendSettings.DefaultRestartDelay.TotalMilliseconds,
            Credentials = s.IsPerUser ? "perUser" : "shared",
        };

        switch (s)
        {
            case StdioBackendSettings stdio:
                document.Command = stdio.Command;
                document.Args = [.. stdio.Args];
                document.Cwd = stdio.WorkingDirectory;
                document.Env = new Dictionary<string, string>(stdio.Environment, StringComparer.Ordinal);
                document.RestartOnExit = stdio.RestartOnExit;
                document.MaxRestarts = stdio.MaxRestarts;
                document.RestartDelayMs = (long)stdio.RestartDelay.TotalMilliseconds;
                document.IdleTimeoutMs = (long)stdio.IdleTimeout.TotalMilliseconds;
                document.MaxInstances = stdio.MaxInstances;
                break;
            case HttpBackendSettings http:
                document.Url = http.Url.OriginalString;
                document.Headers = new Dictionary<string, string>(http.Headers, StringComparer.Ordinal);
                document.OAuth = http.OAuth is { } o ? new OAuthDocument
                {
                    ClientId = o.ClientId,
                    ClientSecret = o.ClientSecret,
                    Scopes = [.. o.Scopes],
                    RedirectUrl = o.RedirectUrl?.OriginalString,
                } : null;
                document.Approval = http.Approval == ConnectionApproval.Admin ? "admin" : "self";
                break;
        }

        return document;
    }

    /// <summary>The settings of a stored row; the fields of the other transports (empty or defaults) are not read.</summary>
    public BackendSettings ToSettings(string name)
    {
        BackendSettings settings = Transport switch
        {
            "stdio" => new StdioBackendSettings
            {
                Name = ServerName.From(name),
                Command = Command ?? throw Corrupt(name, "no command"),
                Args = [.. Args],
                WorkingDirectory = Cwd,
                Environment = new Dictionary<string, string>(Env, StringComparer.Ordinal),
                RestartOnExit = RestartOnExit,
                MaxRestarts = MaxRestarts,
                RestartDelay = TimeSpan.FromMilliseconds(RestartDelayMs),
                IdleTimeout = IdleTimeoutMs is { } idle ? TimeSpan.FromMilliseconds(idle) : StdioBackendSettings.DefaultIdleTimeout,
                MaxInstances = MaxInstances ?? StdioBackendSettings.DefaultMaxInstances,
            },
            "streamableHttp" => new StreamableHttpBackendSettings
            {
                Name = ServerName.From(name), Url = StoredUrl(name), Headers = StoredHeaders(), OAuth = StoredOAuth(), Approval = StoredApproval(),
            },
            "sse" => new SseBackendSettings
            {
                Name = ServerName.From(name), Url = StoredUrl(name), Headers = StoredHeaders(), OAuth = StoredOAuth(), Approval = StoredApproval(),
            },
            _ => throw new InvalidOperationException($"Stored backend '{name}' has an unknown transport '{Transport}'."),
        };

        return settings with
        {
            Tags = [.. Tags.Select(Tag.From)],
            Disabled = Disabled,
            DisabledTools = new HashSet<string>(DisabledTools, StringComparer.Ordinal),
            ToolDescriptionOverrides = new Dictionary<string, string>(ToolDescriptionOverrides, StringComparer.Ordinal),
            InstructionOverride = InstructionOverride,
            ConnectionTimeout = TimeSpan.FromMilliseconds(ConnectionTimeoutMs),
            RequestTimeout = TimeSpan.FromMilliseconds(RequestTimeoutMs),
            Credentials = Credentials switch
            {
                null or "shared" => BackendCredentialMode.Shared,
                "perUser" => BackendCredentialMode.PerUser,
                _ => throw Corrupt(name, $"an unknown credentials mode '{Credentials}'"),
            },
        };
    }

    private ConnectionApproval StoredApproval() => Approval == "admin" ? ConnectionApproval.Admin : ConnectionApproval.Self;

    private Uri StoredUrl(string name) =>
        Url is null ? throw Corrupt(name, "no url") : new Uri(Url, UriKind.RelativeOrAbsolute);

    private Dictionary<string, string> StoredHeaders() => new(Headers, StringComparer.Ordinal);

    private BackendOAuthSettings? StoredOAuth() => OAuth is { } o
        ? new BackendOAuthSettings(o.ClientId, o.ClientSecret, [.. o.Scopes], o.RedirectUrl is null ? null : new Uri(o.RedirectUrl, UriKind.RelativeOrAbsolute))
        : null;

    private InvalidOperationException Corrupt(string name, string problem) =>
        new($"Stored backend '{name}' of transport '{Transport}' has {problem}.");

    internal sealed class OAuthDocument
    {
        [JsonPropertyName("clientId")]
        public string? ClientId { get; set; }

        [JsonPropertyName("clientSecret")]
        public string? ClientSecret { get; set; }

        [JsonPropertyName("scopes")]
        public List<string> Scopes { get; set; } = [];

        [JsonPropertyName("redirectUrl")]
        public string? RedirectUrl { get; set; }
    }

    /// <summary>What <see cref="Secrets"/> holds once decrypted.</summary>
    internal sealed class SecretsDocument
    {
        [JsonPropertyName("env")]
        public Dictionary<string, string> Env { get; set; } = [];

        [JsonPropertyName("headers")]
        public Dictionary<string, string> Headers { get; set; } = [];

        [JsonPropertyName("clientSecret")]
        public string? ClientSecret { get; set; }
    }
}
