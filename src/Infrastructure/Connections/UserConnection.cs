using OneMcp.Infrastructure.Backends.OAuth;

namespace OneMcp.Infrastructure.Connections;

/// <summary>
/// Everything stored about one user's connection to one per-user backend, as one encrypted blob
/// (<see cref="UserConnectionStore"/>): the secrets they entered and their OAuth state. The client registration is
/// the backend's, shared (<see cref="BackendCredentials.Client"/>); the tokens carry the copy they were issued to.
/// </summary>
public sealed record UserConnection
{
    public IReadOnlyDictionary<string, UserSecret> Secrets { get; init; } = new Dictionary<string, UserSecret>(StringComparer.Ordinal);

    /// <summary>The user's authorization in progress (subject: the owner key).</summary>
    public PendingBackendFlow? Pending { get; init; }

    /// <summary>The backend said <c>"approval": "admin"</c> when the pending flow began: its tokens wait for an administrator.</summary>
    public bool PendingNeedsApproval { get; init; }

    /// <summary>The tokens the user's calls carry.</summary>
    public BackendTokenSet? Tokens { get; init; }

    /// <summary>Since when the tokens in use are (first obtained or approved; a refresh keeps it).</summary>
    public DateTimeOffset? ConnectedAt { get; init; }

    /// <summary>Tokens obtained for a backend with <c>"approval": "admin"</c>, not used until an administrator approves them.</summary>
    public BackendTokenSet? TokensAwaitingApproval { get; init; }

    public bool IsEmpty => Secrets.Count == 0 && Pending is null && Tokens is null && TokensAwaitingApproval is null;
}

/// <summary>
/// A secret value the user entered, when, and the origin it may go to (the backend's when it was set; null for a stdio
/// backend and for values stored before the origin was recorded, which go where the backend points).
/// </summary>
public sealed record UserSecret(string Value, DateTimeOffset SetAt, string? SetFor = null);
