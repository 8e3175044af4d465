using System.Collections.Concurrent;

namespace OneMcp.Application.Users;

/// <summary>
/// Refuses sign-ins after too many failures, so that passwords cannot be guessed through the login form (the
/// per-address rate limit of the endpoint is the other half). Two counters, neither of which lets a stranger lock a
/// user out from wherever that user signs in:
/// <list type="bullet">
/// <item>per (user name, client address): a name locked from one address can still sign in from any other, so an
/// attacker failing the admin's password locks only the attacker's own address out of that name;</item>
/// <item>per client address, whatever names it tries: an address that fails too often is refused entirely for a
/// while (even with a right password, so that the refusal is no oracle), which stops one address from spraying a
/// password over many names.</item>
/// </list>
/// A success clears the pair's counter but never the address's: a guesser holding one valid account must not be able
/// to reset its budget. Kept in memory: a restart forgets failures, which only ever helps a legitimate user.
/// </summary>
public sealed class SignInThrottle(TimeProvider time, SignInThrottleOptions options)
{
    // Names that do not exist and addresses are tracked too (no user-name oracle); never let that grow without bound.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<(string UserName, string Address), AccountEntry> _accounts = new(AccountKeyComparer.Instance);
    private readonly ConcurrentDictionary<string, AddressEntry> _addresses = new(StringComparer.Ordinal);

    private readonly SignInThrottleOptions _options = Validated(options);

    /// <summary>When the address is refused, until when; null when it may try.</summary>
    public DateTimeOffset? AddressBlockedUntil(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!_addresses.TryGetValue(address, out var entry) || entry.BlockedUntil is not { } until)
        {
            return null;
        }

        if (until > time.GetUtcNow())
        {
            return until;
        }

        _addresses.TryRemove(new KeyValuePair<string, AddressEntry>(address, entry));
        return null;
    }

    /// <summary>When the name is locked for this address, until when; null when a sign-in may be tried.</summary>
    public DateTimeOffset? LockedUntil(string userName, string address)
    {
        var key = (userName, address);
        if (!_accounts.TryGetValue(key, out var entry) || entry.LockedUntil is not { } until)
        {
            return null;
        }

        if (until > time.GetUtcNow())
        {
            return until;
        }

        _accounts.TryRemove(new KeyValuePair<(string, string), AccountEntry>(key, entry));
        return null;
    }

    /// <summary>Counts a failure; returns when the address is refused from now on because of it, else null.</summary>
    public DateTimeOffset? Failed(string userName, string address)
    {
        var now = time.GetUtcNow();
        var max = _options.MaxFailuresPerAccount;
        _accounts.AddOrUpdate(
            (userName, address),
            _ => new AccountEntry(1, max <= 1 ? now + _options.AccountLockout : null),
            (_, e) => e.Failures + 1 >= max ? new AccountEntry(0, now + _options.AccountLockout) : new AccountEntry(e.Failures + 1, null));

        var counted = _addresses.AddOrUpdate(
            address,
            _ => CountAddressFailure(new AddressEntry(0, now, null), now),
            (_, e) => CountAddressFailure(e, now));

        Trim(_accounts, e => e.LockedUntil is null || e.LockedUntil <= now);
        Trim(_addresses, e => e.BlockedUntil is null || e.BlockedUntil <= now);
        return counted.BlockedUntil is { } until && counted.WindowStart == now ? until : null;
    }

    /// <summary>Clears the pair's failures; the address keeps its count (see the class remarks).</summary>
    public void Succeeded(string userName, string address) => _accounts.TryRemove((userName, address), out _);

    private AddressEntry CountAddressFailure(AddressEntry entry, DateTimeOffset now)
    {
        // A new counting period once the previous one is over (a fixed window, opened by the first failure).
        var current = now - entry.WindowStart >= _options.AddressWindow ? new AddressEntry(0, now, null) : entry;
        var failures = current.Failures + 1;
        return failures >= _options.MaxFailuresPerAddress
            ? new AddressEntry(0, now, now + _options.AddressLockout)
            : current with { Failures = failures };
    }

    private static void Trim<TKey, TValue>(ConcurrentDictionary<TKey, TValue> entries, Func<TValue, bool> stale)
        where TKey : notnull
    {
        if (entries.Count <= MaxEntries)
        {
            return;
        }

        foreach (var entry in entries.Where(e => stale(e.Value)).Take(MaxEntries / 2))
        {
            entries.TryRemove(entry);
        }
    }

    private static SignInThrottleOptions Validated(SignInThrottleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxFailuresPerAccount, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxFailuresPerAddress, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.AccountLockout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.AddressWindow, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.AddressLockout, TimeSpan.Zero, nameof(options));
        return options;
    }

    private sealed record AccountEntry(int Failures, DateTimeOffset? LockedUntil);

    private sealed record AddressEntry(int Failures, DateTimeOffset WindowStart, DateTimeOffset? BlockedUntil);

    /// <summary>User names compare without case (as the users table does); addresses exactly.</summary>
    private sealed class AccountKeyComparer : IEqualityComparer<(string UserName, string Address)>
    {
        public static readonly AccountKeyComparer Instance = new();

        public bool Equals((string UserName, string Address) x, (string UserName, string Address) y) =>
            StringComparer.OrdinalIgnoreCase.Equals(x.UserName, y.UserName) && StringComparer.Ordinal.Equals(x.Address, y.Address);

        public int GetHashCode((string UserName, string Address) obj) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(obj.UserName), StringComparer.Ordinal.GetHashCode(obj.Address));
    }
}
