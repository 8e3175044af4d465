using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// The running backends: owns the set of <see cref="BackendConnection"/>s (and of per-user backends' entries), read by the data plane as an
/// <see cref="IBackendPool"/> and driven by the control plane as an <see cref="IBackendRuntime"/>.
/// <see cref="ApplyAsync"/> moves it to a desired set of settings: new backends start, removed ones stop,
/// changed ones restart, and metadata-only changes apply in place.
/// </summary>
public sealed partial class BackendPool(
    McpClientFactory factory,
    IBackendEventSink events,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    PerUser.PerUserBackends perUser,
    OAuth.BackendTokenSource tokens) : IBackendPool, IBackendRuntime, IAsyncDisposable
{
    /// <summary>
    /// How many backends connect at once: twice the machine's cores, at least 5 (1MCP's fixed number) and at most 64.
    /// A stdio backend's start is mostly its own CPU, so more at once than the cores can run would only make them all
    /// slower to start; on a 2-core machine 12 or 30 at once were no faster than 5 (bench/analysis.md).
    /// </summary>
    public static int MaxParallelConnects { get; } = ConnectConcurrency(Environment.ProcessorCount);

    private readonly ILogger _logger = loggerFactory.CreateLogger<BackendPool>();
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private readonly SemaphoreSlim _connectSlots = new(MaxParallelConnects, MaxParallelConnects);
    private volatile IPooledBackend[] _backends = [];
    private volatile bool _initialLoadCompleted;
    private IPooledBackend[]? _initialBackends;

    public IReadOnlyList<IBackendConnection> Backends => _backends;

    /// <summary>The connect concurrency for a machine with this many processors (<see cref="MaxParallelConnects"/>).</summary>
    public static int ConnectConcurrency(int processors) => Math.Clamp(processors * 2, 5, 64);

    /// <summary>
    /// True once every backend of the first configuration has finished its first connect attempts (or left
    /// the pool); backends added later never make a loaded gateway unready again.
    /// </summary>
    public bool InitialLoadCompleted
    {
        get
        {
            if (_initialLoadCompleted)
            {
                return true;
            }

            if (_initialBackends is not { } initial)
            {
                return false;
            }

            var current = _backends;
            _initialLoadCompleted = initial.All(b => b.FirstAttempt.IsCompleted || Array.IndexOf(current, b) < 0);
            return _initialLoadCompleted;
        }
    }

    public bool TryGet(ServerName name, [NotNullWhen(true)] out IBackendConnection? backend)
    {
        var backends = _backends;
        int low = 0, high = backends.Length - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var order = string.CompareOrdinal(backends[middle].Name.Value, name.Value);
            if (order == 0)
            {
                backend = backends[middle];
                return true;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        backend = null;
        return false;
    }

    /// <summary>
    /// Brings the pool to <paramref name="desired"/>. Returns when every started backend has finished its
    /// first connect attempts when <paramref name="waitForConnections"/> is set, otherwise at once.
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<BackendSettings> desired, bool waitForConnections, CancellationToken cancellationToken)
    {
        await _applyGate.WaitAsync(cancellationToken);
        try
        {
            var current = _backends.ToDictionary(b => b.Name);
            var next = new List<IPooledBackend>(desired.Count);
            var started = new List<IPooledBackend>();
            // Each with what its calls in flight are told ("Server 'x' was restarted while ...").
            var stopped = new List<(IPooledBackend Backend, string Why)>();

            foreach (var settings in desired)
            {
                if (!current.Remove(settings.Name, out var existing))
                {
                    var added = Create(settings);
                    next.Add(added);
                    started.Add(added);
                    LogAdded(_logger, settings.Name.Value);
                }
                else if (existing.Settings.RequiresReconnectComparedTo(settings) || existing.Settings.Disabled != settings.Disabled)
                {
                    var replacement = Create(settings);
                    next.Add(replacement);
                    started.Add(replacement);
                    stopped.Add((existing, settings.Disabled ? "was disabled" : "was restarted"));
                    LogRestartingForChange(_logger, settings.Name.Value);
                }
                else
                {
                    next.Add(existing);
                    if (existing.Settings.MetadataDiffersFrom(settings))
                    {
                        existing.UpdateMetadata(settings);
                        LogMetadataUpdated(_logger, settings.Name.Value);
                    }
                }
            }

            foreach (var removed in current.Values)
            {
                stopped.Add((removed, "was removed"));
                LogRemoved(_logger, removed.Name.Value);
            }

            next.Sort((a, b) => string.CompareOrdinal(a.Name.Value, b.Name.Value));
            _backends = [.. next];

            await Task.WhenAll(stopped.Select(s => StopAsync(s.Backend, s.Why)));
            foreach (var backend in started)
            {
                backend.Start();
            }

            if (waitForConnections)
            {
                await Task.WhenAll(started.Select(b => b.FirstAttempt)).WaitAsync(cancellationToken);
            }

            _initialBackends ??= [.. started];
        }
        finally
        {
            _applyGate.Release();
        }
    }

    /// <summary>Replaces one backend's connection with a fresh one (same settings), e.g. once it has new credentials.</summary>
    public async Task ReconnectAsync(ServerName name, CancellationToken cancellationToken)
    {
        await _applyGate.WaitAsync(cancellationToken);
        try
        {
            var backends = _backends;
            var index = Array.FindIndex(backends, b => b.Name == name);
            if (index < 0)
            {
                return;
            }

            var existing = backends[index];
            var replacement = Create(existing.Settings);
            var next = (IPooledBackend[])backends.Clone();
            next[index] = replacement;
            _backends = next;
            LogReconnecting(_logger, name.Value);
            await StopAsync(existing, "was reconnected");
            replacement.Start();
        }
        finally
        {
            _applyGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        var backends = Interlocked.Exchange(ref _backends, []);
        await Task.WhenAll(backends.Select(b => b.DisposeAsync().AsTask()));
        _applyGate.Dispose();
        _connectSlots.Dispose();
    }

    // A per-user backend is an entry whose users' own connections start on their first call (ADR 0033).
    private IPooledBackend Create(BackendSettings settings) => settings.IsPerUser
        ? perUser.CreateEntry(settings, _connectSlots)
        : new BackendConnection(settings, factory, events, time, loggerFactory.CreateLogger<BackendConnection>(), _connectSlots);

    private async Task StopAsync(IPooledBackend backend, string why)
    {
        await backend.StopAsync(why);

        // Its shared OAuth tokens cached in memory are read from the store again, where a removal has deleted them: a
        // backend added again under the same name must not be called with the removed one's (a per-user backend's
        // entry forgets its users' own tokens itself).
        if (!backend.Settings.IsPerUser)
        {
            tokens.Forget(backend.Name, owner: null);
        }

        // Sessions that could see it must refresh their lists now that it is gone.
        events.BackendChanged(backend, CapabilityKinds.All);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server} added")]
    private static partial void LogAdded(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server} removed")]
    private static partial void LogRemoved(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server} changed; restarting it")]
    private static partial void LogRestartingForChange(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: reconnecting with its current credentials")]
    private static partial void LogReconnecting(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: metadata updated without a restart")]
    private static partial void LogMetadataUpdated(ILogger logger, string server);
}
