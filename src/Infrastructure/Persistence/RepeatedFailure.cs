namespace OneMcp.Infrastructure.Persistence;

/// <summary>
/// When a failure that goes on is worth a log line: when it begins, once per reminder interval while the same kind
/// lasts, and when it ends; not on every probe that meets it. Safe to use from concurrent probes (readiness requests).
/// </summary>
internal sealed class RepeatedFailure(TimeProvider time, TimeSpan reminder)
{
    private readonly Lock _gate = new();
    private State? _current;

    /// <summary>What a failure calls for.</summary>
    public enum Note
    {
        /// <summary>Logged recently: nothing.</summary>
        None,

        /// <summary>A new kind of failure, or the first of a new episode: log it.</summary>
        Began,

        /// <summary>The same failure, logged a reminder interval ago or more: remind.</summary>
        StillFailing,
    }

    /// <summary>
    /// A failure of <paramref name="kind"/> during <paramref name="episode"/> (for instance an outage: a failure in
    /// another episode begins anew), with how long this kind has been failing.
    /// </summary>
    public (Note Note, TimeSpan Lasted) Failed(string kind, object? episode)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_current is not { } current || current.Kind != kind || !ReferenceEquals(current.Episode, episode))
            {
                _current = new State(kind, episode, now, now);
                return (Note.Began, TimeSpan.Zero);
            }

            if (now - current.LoggedAt < reminder)
            {
                return (Note.None, now - current.Since);
            }

            _current = current with { LoggedAt = now };
            return (Note.StillFailing, now - current.Since);
        }
    }

    /// <summary>A probe got past the failure: its kind and how long it lasted, or null when none was going on.</summary>
    public (string Kind, TimeSpan Lasted)? Ended()
    {
        lock (_gate)
        {
            if (_current is not { } ended)
            {
                return null;
            }

            _current = null;
            return (ended.Kind, time.GetUtcNow() - ended.Since);
        }
    }

    private sealed record State(string Kind, object? Episode, DateTimeOffset Since, DateTimeOffset LoggedAt);
}
