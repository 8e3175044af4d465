namespace OneMcp.Infrastructure.Configuration;

public sealed class McpConfigWatcherOptions
{
    /// <summary>The 1MCP default (<c>--config-reload-debounce</c>).</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two attempts to apply a content that keeps failing.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>Quiet period after the last change before the file is read; editors write in several steps.</summary>
    public TimeSpan Debounce { get; init; } = DefaultDebounce;

    /// <summary>
    /// How often the file's last-write time and length are compared, to catch changes whose events were
    /// lost (network file systems, inotify limits, symlink swaps such as Kubernetes ConfigMaps).
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns polling off.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = DefaultPollInterval;

    /// <summary>
    /// How long after a failed apply (the callback threw: the database could not be reached, say) the file is read and
    /// applied again, without waiting for an edit; the wait doubles after each failure up to <see cref="MaxRetryDelay"/>.
    /// <see cref="Timeout.InfiniteTimeSpan"/> (or zero) turns retrying off.
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = DefaultRetryDelay;

    /// <summary>False relies on polling alone (useful where file system events are known not to work).</summary>
    public bool UseFileSystemEvents { get; init; } = true;
}
