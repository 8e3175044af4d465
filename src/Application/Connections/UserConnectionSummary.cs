using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections;

/// <summary>
/// One secret a user entered for a backend: its name, when it was set and where it may go
/// (<see cref="UserSecretReferences.DestinationOf"/>; null for a stdio backend and for secrets set before it was
/// recorded), never its value.
/// </summary>
public sealed record UserSecretInfo(string Name, DateTimeOffset SetAt, string? SetFor = null)
{
    /// <summary>False when the backend now points at another origin than the one the user set the secret for.</summary>
    public bool GoesTo(string? destination) => UserSecretReferences.MayGo(SetFor, destination);
}

/// <summary>One secret's value, and the origin it was set for (<see cref="UserSecretInfo.SetFor"/>).</summary>
public sealed record UserSecretValue(string Value, string? SetFor);

/// <summary>
/// What is stored about one user's connection to one per-user backend, without a single value: the names of the
/// secrets they set, whether they hold OAuth tokens (and since when), whether those wait for an administrator.
/// </summary>
public sealed record UserConnectionSummary(
    ServerName Backend,
    ConnectionOwner Owner,
    IReadOnlyList<UserSecretInfo> Secrets,
    DateTimeOffset? OAuthConnectedAt,
    bool AwaitingApproval,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public bool HasOAuthTokens => OAuthConnectedAt is not null;
}
