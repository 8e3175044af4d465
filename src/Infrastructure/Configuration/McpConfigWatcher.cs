using Microsoft.Extensions.Logging;

namespace OneMcp.Infrastructure.Configuration;

/// <summary>
/// Watches one <c>mcp.json</c> and, once changes have settled for <see cref="McpConfigWatcherOptions.Debounce"/>,
/// reloads it and hands the result to a callback. Callbacks never overlap; changes made while one runs
/// lead to exactly one more reload afterwards. Invalid results are delivered as they are: keeping the last
/// good configuration is the caller's decision, not the watcher's. A callback that throws is called again with
/// the file read anew after <see cref="McpConfigWatcherOptions.RetryDelay"/>, doubling up to
/// <see cref="McpConfigWatcherOptions.MaxRetryDelay"/>, until one succeeds: otherwise an edit that met a database
/// outage would stay unapplied until the next edit. An edit starts the waits over.
/// </summary>
/// <remarks>
/// Call <see cref="Start"/> before loading the initial configuration, so an edit made in between is not
/// lost (at worst the same content is delivered once more).
/// </remarks>
public sealed partial class McpConfigWatcher(
    string path,
    Func<McpConfigParseResult, CancellationToken, Task> onChanged,
    ILogger<McpConfigWatcher> logger,
    McpConfigFile? file = null,
    TimeProvider? timeProvider = null,
    McpConfigWatcherOptions? options = null) : IDisposable, IAsyncDisposable
{
    private readonly string _path = Path.GetFullPath(path ?? throw new ArgumentNullException(nameof(path)));
    private readonly Func<McpConfigParseResult, CancellationToken, Task> _onChanged = onChanged ?? throw new ArgumentNullException(nameof(onChanged));
    private readonly ILogger<McpConfigWatcher> _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    private readonly McpConfigFile _file = file ?? new McpConfigFile();
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly McpConfigWatcherOptions _options = options ?? new McpConfigWatcherOptions();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();

    private FileSystemWatcher? _watcher;
    private ITimer? _debounceTimer;
    private ITimer? _pollTimer;
    private ITimer? _retryTimer;
    private Fingerprint _lastSeen;
    private bool _started;
    private bool _disposed;
    private bool _reloading;
    private bool _reloadAgain;
    private TimeSpan _retryDelay;
    private Task _worker = Task.CompletedTask;

    public string FilePath => _path;

    /// <summary>Starts watching. The callback is only called for changes made from now on.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                throw new InvalidOperationException("The watcher has already been started.");
            }

            _started = true;
            _lastSeen = FingerprintOf(_path);
            _debounceTimer = _time.CreateTimer(_ => OnDebounceElapsed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

            // A retry is a reload like any other: it never overlaps a running one, and coalesces with edits.
            _retryTimer = _time.CreateTimer(_ => OnDebounceElapsed(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _retryDelay = _options.RetryDelay;

            if (_options.UseFileSystemEvents)
            {
                _watcher = TryCreateFileSystemWatcher();
            }

            if (_options.PollInterval > TimeSpan.Zero && _options.PollInterval != Timeout.InfiniteTimeSpan)
            {
                _pollTimer = _time.CreateTimer(_ => Poll(), null, _options.PollInterval, _options.PollInterval);
            }
        }

        LogWatching(_path);
    }

    public void Dispose()
    {
        // A callback may still be running; it observes the cancelled token. The token source is only
        // disposed when nothing can use it any more, otherwise it is left to the garbage collector.
        if (Stop() is { IsCompleted: true })
        {
            _stopping.Dispose();
        }
    }

    /// <summary>Stops watching and waits for a running callback to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Stop() is not { } worker)
        {
            return;
        }

        try
        {
            await worker;
        }
        catch (OperationCanceledException e)
        {
            // Stopping mid-reload is expected.
            LogStoppedMidReload(e, _path);
        }

        _stopping.Dispose();
    }

    /// <summary>Stops every source of reloads; returns the reload in progress, or null when already disposed.</summary>
    private Task? Stop()
    {
        Task worker;
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            worker = _worker;
        }

        _stopping.Cancel();
        _watcher?.Dispose();
        _debounceTimer?.Dispose();
        _pollTimer?.Dispose();
        _retryTimer?.Dispose();
        return worker;
    }

    private FileSystemWatcher? TryCreateFileSystemWatcher()
    {
        FileSystemWatcher? watcher = null;
        try
        {
            // The directory is watched, not the file: editors that save by writing a temporary file and
            // renaming it over the original replace the inode, which a watch on the file itself would lose.
            watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            watcher.Changed += OnFileSystemEvent;
            watcher.Created += OnFileSystemEvent;
            watcher.Deleted += OnFileSystemEvent;
            // Raised when either the old or the new name matches, so "x.tmp -> mcp.json" is seen too.
            watcher.Renamed += OnFileSystemEvent;
            watcher.Error += OnFileSystemError;
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            // A missing directory or an exhausted inotify limit must not stop the gateway; polling still works.
            watcher?.Dispose();
            LogFileSystemEventsUnavailable(ex, _path, _options.PollInterval);
            return null;
        }
    }

    private void OnFileSystemEvent(object sender, FileSystemEventArgs e) => ScheduleReload();

    private void OnFileSystemError(object sender, ErrorEventArgs e)
    {
        // Typically a buffer overflow: events were dropped, so the file may have changed unseen.
        LogFileSystemWatcherError(e.GetException(), _path);
        ScheduleReload();
    }

    private void Poll()
    {
        var current = FingerprintOf(_path);
        lock (_gate)
        {
            if (_disposed || current == _lastSeen)
            {
                return;
            }

            _lastSeen = current;
        }

        LogPollDetectedChange(_path);
        ScheduleReload();
    }

    private void ScheduleReload()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // Every event pushes the deadline back, so a burst of writes produces a single reload.
            _debounceTimer?.Change(_options.Debounce, Timeout.InfiniteTimeSpan);

            // An edit is a new content: the reload it leads to replaces any pending retry, and a failure of its own is
            // retried after the first delay again.
            _retryTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _retryDelay = _options.RetryDelay;
        }
    }

    private void OnDebounceElapsed()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_reloading)
            {
                // Coalesce: however many changes arrive during a callback, one reload follows it.
                _reloadAgain = true;
                return;
            }

            _reloading = true;

            // This reload reads the file as it is now: a retry still pending for an earlier failure is not needed.
            _retryTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _worker = Task.Run(ReloadLoopAsync);
        }
    }

    private async Task ReloadLoopAsync()
    {
        while (true)
        {
            lock (_gate)
            {
                _reloadAgain = false;
            }

            var applied = await ReloadOnceAsync(_stopping.Token);

            TimeSpan retryIn;
            lock (_gate)
            {
                if (_disposed)
                {
                    _reloading = false;
                    return;
                }

                if (applied)
                {
                    _retryDelay = _options.RetryDelay;
                }

                if (_reloadAgain)
                {
                    // The file changed meanwhile: the next reload reads it, and is retried itself if it fails.
                    continue;
                }

                _reloading = false;
                if (applied || _options.RetryDelay <= TimeSpan.Zero)
                {
                    return;
                }

                retryIn = _retryDelay;
                var longest = TimeSpan.FromTicks(Math.Max(McpConfigWatcherOptions.MaxRetryDelay.Ticks, _options.RetryDelay.Ticks));
                _retryDelay = TimeSpan.FromTicks(Math.Min(retryIn.Ticks * 2, longest.Ticks));
                _retryTimer?.Change(retryIn, Timeout.InfiniteTimeSpan);
            }

            LogRetrying(_path, retryIn);
            return;
        }
    }

    /// <summary>Reads the file and hands it to the callback; false when the callback failed (to be retried).</summary>
    private async Task<bool> ReloadOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Recorded before reading, so the poller does not report this same change a second time, yet
            // still notices a write that lands while the file is being read.
            var fingerprint = FingerprintOf(_path);
            lock (_gate)
            {
                _lastSeen = fingerprint;
            }

            LogReloading(_path);
            var result = await _file.LoadAsync(_path, cancellationToken);
            LogLoaded(_path, result.Backends.Count, result.Errors.Count, result.Warnings.Count);
            await _onChanged(result, cancellationToken);
            return true;
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: nothing is retried, so this counts as done.
            LogStoppedMidReload(e, _path);
            return true;
        }
        catch (Exception ex)
        {
            // The watcher must survive a failing callback, or later edits would silently be ignored.
            LogCallbackFailed(ex, _path);
            return false;
        }
    }

    /// <summary>
    /// What polling compares: cheap, and enough to notice a rewrite. For a symbolic link (a Kubernetes ConfigMap mounts
    /// mcp.json as one, through a <c>..data</c> link swapped on every update) it is the final target's, with its path:
    /// the link's own time and length never change.
    /// </summary>
    private readonly record struct Fingerprint(bool Exists, string? Target, DateTime LastWriteUtc, long Length);

    private Fingerprint FingerprintOf(string path)
    {
        try
        {
            FileSystemInfo info = new FileInfo(path);
            string? target = null;
            if (info.LinkTarget is not null)
            {
                info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
                target = info.FullName;
            }

            return info.Exists ? new Fingerprint(true, target, info.LastWriteTimeUtc, info is FileInfo file ? file.Length : 0) : default;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable at this instant (replaced between two calls, permissions changed): seen as absent, so the
            // reload that follows reads the file and reports its real state to the operator.
            LogUnreadable(ex, path);
            return default;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Watching configuration file {ConfigPath} for changes")]
    private partial void LogWatching(string configPath);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Configuration file {ConfigPath} changed; reloading")]
    private partial void LogReloading(string configPath);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Configuration file {ConfigPath} read: {ServerCount} servers, {ErrorCount} errors, {WarningCount} warnings")]
    private partial void LogLoaded(string configPath, int serverCount, int errorCount, int warningCount);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Configuration file {ConfigPath} could not be inspected; treated as changed")]
    private partial void LogUnreadable(Exception exception, string configPath);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Applying the reloaded configuration file {ConfigPath} failed; watching continues")]
    private partial void LogCallbackFailed(Exception exception, string configPath);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Configuration file {ConfigPath} was not applied; reading and applying it again in {RetryDelay}")]
    private partial void LogRetrying(string configPath, TimeSpan retryDelay);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Cannot receive file system events for {ConfigPath}; relying on polling every {PollInterval}")]
    private partial void LogFileSystemEventsUnavailable(Exception exception, string configPath, TimeSpan pollInterval);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "The file system watcher for {ConfigPath} reported an error; reloading in case a change was missed")]
    private partial void LogFileSystemWatcherError(Exception exception, string configPath);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "Stopped watching {ConfigPath} while a reload was running; the reload was cancelled")]
    private partial void LogStoppedMidReload(Exception exception, string configPath);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Polling noticed a change to {ConfigPath}")]
    private partial void LogPollDetectedChange(string configPath);
}
