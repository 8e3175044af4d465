namespace OneMcp.Domain.Backends;

/// <summary>
/// Everything the gateway needs to know to run one backend, after defaults were merged and
/// <c>${VAR}</c> references substituted. Immutable: a configuration change produces a new instance,
/// and <see cref="RequiresReconnectComparedTo"/> tells whether the running connection can be kept.
/// </summary>
public sealed record BackendSettings
{
    public static readonly TimeSpan DefaultConnectionTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultRestartDelay = TimeSpan.FromSeconds(1);
    public const int DefaultMaxRestarts = 5;

    public required ServerName Name { get; init; }
    public required BackendTransport Transport { get; init; }

    // stdio
    public string? Command { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public bool RestartOnExit { get; init; }
    /// <summary>0 means unlimited.</summary>
    public int MaxRestarts { get; init; } = DefaultMaxRestarts;
    public TimeSpan RestartDelay { get; init; } = DefaultRestartDelay;

    // http / sse
    public Uri? Url { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public BackendOAuthSettings? OAuth { get; init; }

    public TimeSpan ConnectionTimeout { get; init; } = DefaultConnectionTimeout;
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    // metadata: changing these never restarts the backend
    public IReadOnlyList<Tag> Tags { get; init; } = [];
    public bool Disabled { get; init; }
    public IReadOnlySet<string> DisabledTools { get; init; } = new HashSet<string>(StringComparer.Ordinal);
    public IReadOnlyDictionary<string, string> ToolDescriptionOverrides { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    /// <summary>null keeps the backend's own instructions; an empty string drops them.</summary>
    public string? InstructionOverride { get; init; }

    public bool HasTag(Tag tag) => Tags.Contains(tag);

    /// <summary>
    /// True when the connection-relevant part differs, so a running backend must be restarted
    /// to apply <paramref name="other"/>. Tags, overrides, disabled tools and instructions are
    /// metadata and are applied in place.
    /// </summary>
    public bool RequiresReconnectComparedTo(BackendSettings other) =>
        Transport != other.Transport
        || !string.Equals(Command, other.Command, StringComparison.Ordinal)
        || !Args.SequenceEqual(other.Args, StringComparer.Ordinal)
        || !string.Equals(WorkingDirectory, other.WorkingDirectory, StringComparison.Ordinal)
        || !SameMap(Environment, other.Environment)
        || RestartOnExit != other.RestartOnExit
        || MaxRestarts != other.MaxRestarts
        || RestartDelay != other.RestartDelay
        || !SameUri(Url, other.Url)
        || !SameMap(Headers, other.Headers)
        || OAuth != other.OAuth
        || ConnectionTimeout != other.ConnectionTimeout
        || RequestTimeout != other.RequestTimeout;

    /// <summary>True when anything a client can observe differs (metadata included).</summary>
    public bool MetadataDiffersFrom(BackendSettings other) =>
        !Tags.SequenceEqual(other.Tags)
        || Disabled != other.Disabled
        || !DisabledTools.SetEquals(other.DisabledTools)
        || !SameMap(ToolDescriptionOverrides, other.ToolDescriptionOverrides)
        || !string.Equals(InstructionOverride, other.InstructionOverride, StringComparison.Ordinal);

    // Uri equality ignores user info, so a changed password in a URL would go unnoticed.
    internal static bool SameUri(Uri? a, Uri? b) =>
        string.Equals(a?.OriginalString, b?.OriginalString, StringComparison.Ordinal);

    // URLs, headers and environments carry credentials: the generated record ToString must not print them.
    public override string ToString() => $"BackendSettings {{ Name = {Name}, Transport = {Transport} }}";

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && string.Equals(v, kv.Value, StringComparison.Ordinal));
}

/// <summary>The gateway's own OAuth client settings toward a backend that requires authorization.</summary>
public sealed record BackendOAuthSettings(string? ClientId, string? ClientSecret, IReadOnlyList<string> Scopes, Uri? RedirectUrl)
{
    public bool Equals(BackendOAuthSettings? other) =>
        other is not null
        && string.Equals(ClientId, other.ClientId, StringComparison.Ordinal)
        && string.Equals(ClientSecret, other.ClientSecret, StringComparison.Ordinal)
        && Scopes.SequenceEqual(other.Scopes, StringComparer.Ordinal)
        && BackendSettings.SameUri(RedirectUrl, other.RedirectUrl);

    public override int GetHashCode() => HashCode.Combine(ClientId, RedirectUrl, Scopes.Count);

    // The secret must never reach a log through a record's generated ToString.
    public override string ToString() => $"BackendOAuthSettings {{ ClientId = {ClientId}, Scopes = [{string.Join(' ', Scopes)}] }}";
}
