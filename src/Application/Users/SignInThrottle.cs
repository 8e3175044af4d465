using System.Collections.Concurrent;

namespace OneMcp.Application.Users;

/// <summary>
/// Locks an account name after too many failed sign-ins in a row, for a while, so that passwords cannot be
/// guessed through the login form (the per-address rate limit of the endpoint is the other half). Kept in
/// memory: a restart forgets failures, which only ever helps a legitimate user.
/// </summary>
public sealed class SignInThrottle(TimeProvider time, int maxFailures, TimeSpan lockout)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    public int MaxFailures { get; } = maxFailures > 0 ? maxFailures : throw new ArgumentOutOfRangeException(nameof(maxFailures));

    /// <summary>When the name is locked, until when; null when a sign-in may be tried.</summary>
    public DateTimeOffset? LockedUntil(string userName)
    {
        if (!_entries.TryGetValue(userName, out var entry) || entry.LockedUntil is not { } until)
        {
            return null;
        }

        if (until > time.GetUtcNow())
        {
            return until;
        }

        _entries.TryRemove(new KeyValuePair<string, Entry>(userName, entry));
        return null;
    }

    public void Failed(string userName)
    {
        var now = time.GetUtcNow();
        _entries.AddOrUpdate(
            userName,
            _ => new Entry(1, MaxFailures <= 1 ? now + lockout : null),
            (_, e) => e.Failures + 1 >= MaxFailures ? new Entry(0, now + lockout) : new Entry(e.Failures + 1, null));
        if (_entries.Count > 10_000)
        {
            // Names that do not exist are tracked too (no user-name oracle); never let that grow without bound.
            foreach (var stale in _entries.Where(e => e.Value.LockedUntil is null || e.Value.LockedUntil <= now).Take(5_000))
            {
                _entries.TryRemove(stale);
            }
        }
    }

    public void Succeeded(string userName) => _entries.TryRemove(userName, out _);

    private sealed record Entry(int Failures, DateTimeOffset? LockedUntil);
}
