namespace OneMcp.Application.Users;

/// <summary>
/// How many failed sign-ins are tolerated, and for how long a lock-out lasts. The defaults are the gateway's
/// defaults; <c>onemcp serve</c> derives them from its rate-limit options.
/// </summary>
public sealed record SignInThrottleOptions
{
    /// <summary>Failed sign-ins in a row of one user name from one client address before that pair is locked (default 5).</summary>
    public int MaxFailuresPerAccount { get; init; } = 5;

    /// <summary>How long a (user name, address) pair stays locked (default 5 minutes).</summary>
    public TimeSpan AccountLockout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Failed sign-ins from one client address, whatever names it tries, within <see cref="AddressWindow"/> before
    /// the address is refused (default 20: four accounts' worth, enough for an office behind one NAT).
    /// </summary>
    public int MaxFailuresPerAddress { get; init; } = 20;

    /// <summary>The period over which an address's failures are counted (default 15 minutes).</summary>
    public TimeSpan AddressWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a refused address stays refused (default 15 minutes).</summary>
    public TimeSpan AddressLockout { get; init; } = TimeSpan.FromMinutes(15);
}
