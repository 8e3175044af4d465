using OneMcp.Domain.Backends;

namespace OneMcp.Application.Connections;

/// <summary>One secret a user entered for a backend: its name and when it was set, never its value.</summary>
public sealed record UserSecretInfo(string Name, DateTimeOffset SetAt);

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
