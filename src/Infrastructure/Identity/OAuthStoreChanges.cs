namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// A counter this process bumps whenever a token or authorization changes status or disappears (revocation,
/// redemption, refresh-replay family revocation, pruning). Caches of validated tokens compare it, so a
/// revocation through this gateway empties them at once.
/// </summary>
public sealed class OAuthStoreChanges
{
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    public void Bump() => Interlocked.Increment(ref _version);

    /// <summary>
    /// Bumps when disposed, i.e. once the write is done: a validation that read the old state before then
    /// captured an older version, so what it cached is already stale.
    /// </summary>
    public static IDisposable? After(OAuthStoreChanges? changes) => changes is null ? null : new Bumper(changes);

    private sealed class Bumper(OAuthStoreChanges changes) : IDisposable
    {
        public void Dispose() => changes.Bump();
    }
}
