namespace OneMcp.Domain.Backends;

/// <summary>A backend the gateway reaches over HTTP at <see cref="Url"/>: streamable HTTP or legacy SSE.</summary>
public abstract record HttpBackendSettings : BackendSettings
{
    private readonly Uri _url = null!;

    /// <summary>
    /// An absolute http or https URL, except in a disabled server from mcp.json whose URL references a variable that
    /// is not set: that one is kept as written (possibly relative) and never connected to.
    /// </summary>
    public required Uri Url
    {
        get => _url;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Url));
            _url = value;
        }
    }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The gateway's OAuth client settings toward this backend; null when it registers itself dynamically or needs none.</summary>
    public BackendOAuthSettings? OAuth { get; init; }

    /// <summary>For a per-user backend: whether a user's own OAuth tokens need an administrator's approval.</summary>
    public ConnectionApproval Approval { get; init; } = ConnectionApproval.Self;

    private protected override bool TransportDiffersFrom(BackendSettings other) =>
        other is not HttpBackendSettings o
        || !SameUri(Url, o.Url)
        || !SameMap(Headers, o.Headers)
        || OAuth != o.OAuth
        || Approval != o.Approval;
}
