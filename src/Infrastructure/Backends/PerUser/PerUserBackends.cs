using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;

namespace OneMcp.Infrastructure.Backends.PerUser;

/// <summary>
/// The users' own connections to per-user backends (ADR 0033), one per backend and user: the pool holds one
/// <see cref="PerUserBackendConnection"/> per such backend, which starts, idles out and stops its users' instances;
/// this singleton finds them for the engine and releases them for the control plane.
/// </summary>
public sealed class PerUserBackends : IPerUserBackends
{
    private readonly ConcurrentDictionary<PerUserBackendConnection, byte> _entries = new();
    private readonly BackendTokenSource _tokens;

    public PerUserBackends(
        McpClientFactory factory,
        IBackendEventSink events,
        IUserConnectionStore store,
        BackendTokenSource tokens,
        TimeProvider time,
        ILoggerFactory loggerFactory)
        : this(events, store, tokens, time, loggerFactory, null!)
    {
        Connect = (settings, owner, instanceEvents, slots) =>
            new BackendConnection(settings, factory, instanceEvents, time, loggerFactory.CreateLogger<BackendConnection>(), slots, owner);
    }

    /// <summary>For tests: <paramref name="connect"/> builds a user's connection from their resolved settings.</summary>
    internal PerUserBackends(
        IBackendEventSink events,
        IUserConnectionStore store,
        BackendTokenSource tokens,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        Func<BackendSettings, ConnectionOwner, IBackendEventSink, SemaphoreSlim, IPooledBackend> connect)
    {
        Events = events;
        Store = store;
        _tokens = tokens;
        Time = time;
        LoggerFactory = loggerFactory;
        Connect = connect;
    }

    internal IBackendEventSink Events { get; }

    internal IUserConnectionStore Store { get; }

    internal TimeProvider Time { get; }

    internal ILoggerFactory LoggerFactory { get; }

    /// <summary>Builds one user's connection (not started) from the definition with their secrets resolved in.</summary>
    internal Func<BackendSettings, ConnectionOwner, IBackendEventSink, SemaphoreSlim, IPooledBackend> Connect { get; private set; }

    /// <summary>The pool's entry for a per-user backend; it is known here until it is disposed.</summary>
    internal PerUserBackendConnection CreateEntry(BackendSettings settings, SemaphoreSlim connectSlots)
    {
        var entry = new PerUserBackendConnection(settings, this, connectSlots);
        _entries[entry] = 0;
        return entry;
    }

    /// <summary>
    /// The entry left the pool (the backend was removed, or restarted with other settings): the users' tokens cached for
    /// it are read from the store again, where a removal has deleted them.
    /// </summary>
    internal void Removed(PerUserBackendConnection entry)
    {
        _entries.TryRemove(entry, out _);
        _tokens.ForgetEveryOwner(entry.Name);
    }

    public ValueTask<IBackendConnection> ForOwnerAsync(IBackendConnection backend, ConnectionOwner owner, CancellationToken cancellationToken) =>
        backend is PerUserBackendConnection entry
            ? entry.ForOwnerAsync(owner, cancellationToken)
            : throw new ArgumentException($"The backend '{backend.Name}' is not a per-user backend of the pool.", nameof(backend));

    public IBackendConnection? Running(IBackendConnection backend, ConnectionOwner owner) =>
        backend is PerUserBackendConnection entry ? entry.Running(owner) : null;

    public IReadOnlyCollection<ConnectionOwner> OwnersRunning() => _entries.Keys.SelectMany(e => e.Owners()).ToHashSet();

    public async Task ReleaseAsync(ServerName? backend, ConnectionOwner owner, CancellationToken cancellationToken)
    {
        var entries = _entries.Keys.Where(e => backend is null || e.Name == backend).ToList();

        // The tokens cached for the owner are forgotten before their instances stop, not after: once an instance is
        // released, the owner's next call starts a new one at once, and it must read the committed change (a revoked
        // connection has no tokens left) rather than be handed the old tokens for its first requests.
        var names = entries.Select(e => e.Name).ToHashSet();
        if (backend is { } named)
        {
            names.Add(named);
        }

        foreach (var name in names)
        {
            _tokens.Forget(name, owner);
        }

        await Task.WhenAll(entries.Select(e => e.ReleaseAsync(owner)));

        // The change may have completed a user's connection: a backend with no catalogue yet can learn it now.
        foreach (var entry in entries)
        {
            entry.LearnCatalogueIfNeeded();
        }
    }
}
