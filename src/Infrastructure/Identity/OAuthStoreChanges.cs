using OneMcp.Application.Replication;

namespace OneMcp.Infrastructure.Identity;

/// <summary>
/// A counter that moves whenever a token or authorization changes status or disappears (revocation, redemption,
/// refresh-replay family revocation, pruning) or another replica changed users, tag scopes, tokens or grants.
/// Caches of validated tokens compare it, so such a change empties them at once. A change made in this process is
/// also published on the change feed (<see cref="IChangeFeed"/>), so every other replica drops its cache too; a
/// change heard from another replica (<see cref="ChangedElsewhere"/>) is not published again.
/// </summary>
public sealed class OAuthStoreChanges(IChangeFeed? feed = null) : IOAuthStateCaches
{
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    /// <summary>A change committed by this process: caches here drop it now, the other replicas when it reaches them.</summary>
    public async Task BumpAsync()
    {
        Interlocked.Increment(ref _version);
        if (feed is not null)
        {
            await feed.PublishAsync(new GatewayChange(GatewayChangeKind.OAuthTokens), CancellationToken.None);
        }
    }

    /// <summary>Another replica changed what token validations depend on: drop what is cached, publish nothing.</summary>
    public void ChangedElsewhere() => Interlocked.Increment(ref _version);

    /// <summary>
    /// Bumps when disposed, i.e. once the write is done: a validation that read the old state before then
    /// captured an older version, so what it cached is already stale.
    /// </summary>
    public static IAsyncDisposable? After(OAuthStoreChanges? changes) => changes is null ? null : new Bumper(changes);

    private sealed class Bumper(OAuthStoreChanges changes) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await changes.BumpAsync();
    }
}
