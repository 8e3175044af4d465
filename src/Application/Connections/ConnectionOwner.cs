using OneMcp.Application.Audit;

namespace OneMcp.Application.Connections;

/// <summary>
/// Whose connection to a per-user backend: the signed-in user's id (the token's subject) with authentication on,
/// the one local user (<see cref="Local"/>) without it, where a per-user backend behaves as a shared one.
/// </summary>
public readonly record struct ConnectionOwner
{
    public const string LocalKey = "local";

    public static readonly ConnectionOwner Local = new(LocalKey);

    public ConnectionOwner(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        Key = key;
    }

    /// <summary>The user id (<c>D</c> format) or <see cref="LocalKey"/>; not a secret.</summary>
    public string Key { get; }

    public bool IsLocal => Key == LocalKey;

    public static ConnectionOwner Of(AuditActor actor) =>
        actor?.Subject is { Length: > 0 } subject ? new ConnectionOwner(subject) : Local;

    public static ConnectionOwner Of(Guid userId) => new(userId.ToString("D"));

    public override string ToString() => Key;
}
