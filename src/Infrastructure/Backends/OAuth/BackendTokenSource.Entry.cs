namespace OneMcp.Infrastructure.Backends.OAuth;

// What the token source keeps in memory for one backend (and user).
public sealed partial class BackendTokenSource
{
    private sealed class Entry
    {
        /// <summary>Held while the store is read into the entry and for the whole of a renewal, save included.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public volatile bool Loaded;

        /// <summary>Moves on at every forget (and every <see cref="Use"/>): a read of the store begun before is stale.</summary>
        public int Generation;

        public volatile BackendTokenSet? Tokens;

        /// <summary>Renewed tokens (in <see cref="Tokens"/>) the store could not take yet, and what it holds instead.</summary>
        public volatile UnsavedTokens? Unsaved;

        /// <summary>1 while <see cref="SaveUntilStoredAsync"/> runs for the entry.</summary>
        public int Saving;

        /// <summary>Why the tokens were dropped, until new ones are accepted or the credentials are forgotten.</summary>
        public volatile string? Failure;

        /// <summary>A refresh failed for a passing reason: until when the authorization server is not asked again.</summary>
        public volatile RefreshPause? Pause;
    }

    private sealed record RefreshPause(string Reason, DateTimeOffset Until);

    /// <summary>Renewed tokens to store over <paramref name="Basis"/> (the tokens they were renewed from), tried again from <paramref name="RetryAt"/>.</summary>
    private sealed record UnsavedTokens(BackendTokenSet Tokens, BackendTokenSet Basis, DateTimeOffset RetryAt);
}
