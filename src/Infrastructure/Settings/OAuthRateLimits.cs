namespace OneMcp.Infrastructure.Settings;

/// <summary>Requests allowed per client address and window on the OAuth endpoints and the sign-in form.</summary>
public sealed record OAuthRateLimits
{
    public int PermitsPerWindow { get; init; } = 100;

    public int SignInPermitsPerWindow { get; init; } = 30;

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Failed sign-ins in a row of one user name from one client address before that pair is locked for
    /// <see cref="LockoutDuration"/>; four times as many from one address, whatever the names, refuse the address
    /// for <see cref="Window"/>.
    /// </summary>
    public int MaxFailedSignIns { get; init; } = 5;

    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(5);
}
