namespace OneMcp.Infrastructure.Identity;

/// <summary>When <see cref="OAuthPruningService"/> runs and what it keeps.</summary>
public sealed class OAuthPruningOptions
{
    /// <summary>Delay before the first run after start-up (default one minute: start-up is not slowed down).</summary>
    public TimeSpan FirstRunDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Time between runs (default one hour).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long finished entries are kept (default 14 days): tokens, authorizations and authorization requests
    /// created, decided or expired longer ago than this are deleted.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// How long a registered client (RFC 7591: anyone may register one) is kept when no authorization was ever made
    /// for it (default 24 hours: a real client completes its first sign-in within minutes of registering).
    /// </summary>
    public TimeSpan UnusedClientRetention { get; set; } = TimeSpan.FromHours(24);
}
