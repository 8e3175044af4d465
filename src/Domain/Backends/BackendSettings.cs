namespace OneMcp.Domain.Backends;

/// <summary>
/// Everything the gateway needs to know to run one backend, after defaults were merged and <c>${VAR}</c>
/// references substituted. One subtype per transport (<see cref="StdioBackendSettings"/>,
/// <see cref="StreamableHttpBackendSettings"/>, <see cref="SseBackendSettings"/>), so a field that means nothing
/// to a transport cannot be set on it. Immutable: a configuration change produces a new instance, and
/// <see cref="RequiresReconnectComparedTo"/> tells whether the running connection can be kept.
/// </summary>
public abstract record BackendSettings
{
    public static readonly TimeSpan DefaultConnectionTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultRestartDelay = TimeSpan.FromSeconds(1);
    public const int DefaultMaxRestarts = 5;

    public required ServerName Name { get; init; }

    public abstract BackendTransport Transport { get; }

    public TimeSpan ConnectionTimeout { get; init; } = DefaultConnectionTimeout;
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    /// <summary>Whose credentials the backend is called with; changing it restarts the backend.</summary>
    public BackendCredentialMode Credentials { get; init; } = BackendCredentialMode.Shared;

    public bool IsPerUser => Credentials == BackendCredentialMode.PerUser;

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
        || ConnectionTimeout != other.ConnectionTimeout
        || RequestTimeout != other.RequestTimeout
        || Credentials != other.Credentials
        || TransportDiffersFrom(other);

    /// <summary>True when anything a client can observe differs (metadata included).</summary>
    public bool MetadataDiffersFrom(BackendSettings other) =>
        !Tags.SequenceEqual(other.Tags)
        || Disabled != other.Disabled
        || !DisabledTools.SetEquals(other.DisabledTools)
        || !SameMap(ToolDescriptionOverrides, other.ToolDescriptionOverrides)
        || !string.Equals(InstructionOverride, other.InstructionOverride, StringComparison.Ordinal);

    // URLs, headers and environments carry credentials: the generated record ToString must not print them,
    // in this record or in any subtype.
    public sealed override string ToString() => $"BackendSettings {{ Name = {Name}, Transport = {Transport} }}";

    /// <summary>True when a transport-specific setting differs; <paramref name="other"/> has the same <see cref="Transport"/>.</summary>
    private protected abstract bool TransportDiffersFrom(BackendSettings other);

    // Uri equality ignores user info, so a changed password in a URL would go unnoticed.
    internal static bool SameUri(Uri? a, Uri? b) =>
        string.Equals(a?.OriginalString, b?.OriginalString, StringComparison.Ordinal);

    internal static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && string.Equals(v, kv.Value, StringComparison.Ordinal));
}
