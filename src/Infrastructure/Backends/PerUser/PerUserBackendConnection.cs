using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends.PerUser;

/// <summary>
/// The pool's entry for a per-user backend (ADR 0033). Its state and capabilities are the catalogue learned from the
/// first user connection that connected on this replica, so the backend is listed once for everyone; the calls go to
/// each user's own connection (<see cref="PerUserBackends.ForOwnerAsync"/>), started on first use, stopped once
/// unused for the idle timeout, at most <c>maxInstances</c> at once. Calling the entry itself is a programming error.
/// </summary>
public sealed partial class PerUserBackendConnection : IPooledBackend
{
    private const string NotCalledDirectly = "A per-user backend is called through the caller's own connection (IPerUserBackends.ForOwnerAsync).";

    /// <summary>What a user whose tokens at the backend were dropped is told is missing.</summary>
    internal const string AuthorizationLostMessage = "your authorization (OAuth) at the backend was withdrawn or has expired; connect your account again.";

    /// <summary>The lists each user lists from their own connection, never from the catalogue (CallerConnections.AccountListsOf).</summary>
    internal const CapabilityKinds AccountLists = CapabilityKinds.Resources | CapabilityKinds.Prompts;

    private readonly PerUserBackends _runtime;
    private readonly SemaphoreSlim _connectSlots;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<ConnectionOwner, PerUserInstance> _instances = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile BackendSettings _settings;
    private volatile Catalogue? _catalogue;
    private bool _stopped;
    private int _learning;

    internal PerUserBackendConnection(BackendSettings settings, PerUserBackends runtime, SemaphoreSlim connectSlots)
    {
        _settings = settings;
        _runtime = runtime;
        _connectSlots = connectSlots;
        _logger = runtime.LoggerFactory.CreateLogger<PerUserBackendConnection>();
    }

    public ServerName Name => _settings.Name;

    public BackendSettings Settings => _settings;

    public BackendState State => _settings.Disabled
        ? new BackendState(BackendStatus.Disabled, null, null, 0)
        : _catalogue?.State ?? new BackendState(BackendStatus.Connecting, "No user's connection has shown this per-user backend's tools on this gateway yet.", null, 0);

    public BackendCapabilities Capabilities => State.Status == BackendStatus.Connected ? _catalogue?.Capabilities ?? BackendCapabilities.Empty : BackendCapabilities.Empty;

    /// <summary>Completes when the first attempt to learn the catalogue has ended, successfully or not.</summary>
    public Task FirstAttempt => _firstAttempt.Task;

    /// <summary>How many users' connections run (or are starting) now.</summary>
    public int InstanceCount
    {
        get
        {
            lock (_gate)
            {
                return _instances.Count;
            }
        }
    }

    private TimeSpan IdleTimeout => (_settings as StdioBackendSettings)?.IdleTimeout ?? StdioBackendSettings.DefaultIdleTimeout;

    private int MaxInstances => (_settings as StdioBackendSettings)?.MaxInstances ?? StdioBackendSettings.DefaultMaxInstances;

    public void Start()
    {
        if (_settings.Disabled)
        {
            _firstAttempt.TrySetResult();
            return;
        }

        LearnCatalogueIfNeeded();
    }

    /// <summary>
    /// Without a catalogue yet, starts (once at a time) the connection of a user who has connected completely to learn
    /// it: at start, and whenever a user's connection changed (they may just have completed it).
    /// </summary>
    internal void LearnCatalogueIfNeeded()
    {
        if (_catalogue is not null || _settings.Disabled || _stopped)
        {
            _firstAttempt.TrySetResult();
            return;
        }

        if (Interlocked.Exchange(ref _learning, 1) == 1)
        {
            return; // learning already
        }

        _ = Task.Run(LearnCatalogueAsync, CancellationToken.None);
    }

    public void UpdateMetadata(BackendSettings settings)
    {
        var previous = _settings;
        _settings = settings;
        _runtime.Events.BackendChanged(this, CapabilityKinds.All, previous.Tags);
    }

    public ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(NotCalledDirectly);

    public ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(NotCalledDirectly);

    public ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(NotCalledDirectly);

    public ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(NotCalledDirectly);

    public ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(NotCalledDirectly);

    public ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(NotCalledDirectly);

    /// <summary>The owner's connection: the running one, or one started now (two first calls of one user share it).</summary>
    internal async ValueTask<IBackendConnection> ForOwnerAsync(ConnectionOwner owner, CancellationToken cancellationToken)
    {
        PerUserInstance? instance;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (!_instances.TryGetValue(owner, out instance))
            {
                if (_instances.Count >= MaxInstances)
                {
                    LogTooManyInstances(_logger, Name.Value, MaxInstances);
                    throw new TooManyInstancesException(Name, MaxInstances);
                }

                instance = new PerUserInstance(this, owner, _runtime.Time);
                _instances[owner] = instance;

                // Started outside the lock: the start (and its clean-up on failure) must find the instance recorded.
                var started = instance;
                instance.Ready = Task.Run(() => StartInstanceAsync(started), CancellationToken.None);
            }

            instance.Touch();
        }

        var connection = await instance.Ready!.WaitAsync(cancellationToken);
        if (instance.AuthorizationLost || instance.State.Status == BackendStatus.AwaitingOAuth)
        {
            // The user's tokens were dropped since the instance started (withdrawn at the backend's authorization server,
            // refused on renewal): a call failed for it, or the connection fell back to awaiting OAuth. Kept, it would
            // answer every call "not connected" until the user happened to reconnect; released, the caller is told to
            // connect again (a result linking to My connections), as on a first call.
            await ReleaseAsync(owner, instance);
            throw new UserConnectionRequiredException(Name, AuthorizationLostMessage);
        }

        return connection;
    }

    /// <summary>The owner's connection if it has started and is connected; null otherwise (nothing is started).</summary>
    internal PerUserInstance? Running(ConnectionOwner owner)
    {
        lock (_gate)
        {
            return _instances.TryGetValue(owner, out var instance)
                && instance.Ready is { IsCompletedSuccessfully: true }
                && !instance.AuthorizationLost
                && instance.State.Status == BackendStatus.Connected
                ? instance
                : null;
        }
    }

    /// <summary>The owners whose connection runs or starts now.</summary>
    internal IReadOnlyList<ConnectionOwner> Owners()
    {
        lock (_gate)
        {
            return [.. _instances.Keys];
        }
    }

    /// <summary>Stops the owner's connection, if one runs; the next call starts one with what is stored then.</summary>
    internal async Task ReleaseAsync(ConnectionOwner owner)
    {
        PerUserInstance? instance;
        lock (_gate)
        {
            if (!_instances.Remove(owner, out instance))
            {
                return;
            }
        }

        await StopInstanceAsync(instance, "released");
    }

    /// <summary>Stops <paramref name="instance"/> if it is still the owner's (a newer one started meanwhile is left alone).</summary>
    private async Task ReleaseAsync(ConnectionOwner owner, PerUserInstance instance)
    {
        lock (_gate)
        {
            if (!_instances.TryGetValue(owner, out var current) || current != instance)
            {
                return;
            }

            _instances.Remove(owner);
        }

        await StopInstanceAsync(instance, "authorization dropped");
    }

    public ValueTask DisposeAsync() => StopAsync("was stopped");

    /// <summary>Stops every user's connection; their calls in flight end with an error that says <paramref name="why"/>.</summary>
    public async ValueTask StopAsync(string why)
    {
        List<PerUserInstance> instances;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            instances = [.. _instances.Values];
            _instances.Clear();
        }

        _runtime.Removed(this);
        await _stopping.CancelAsync();
        await Task.WhenAll(instances.Select(i => StopInstanceAsync(i, "backend stopped", why)));
        _firstAttempt.TrySetResult();
        _stopping.Dispose();
    }

    /// <summary>A user's connection connected: the first one (or one after the catalogue's own stopped) shows its lists.</summary>
    internal void InstanceConnected(PerUserInstance instance)
    {
        if (instance.Connection is not { State.Status: BackendStatus.Connected } connection)
        {
            return;
        }

        lock (_gate)
        {
            if (_catalogue is { Source: { } source } && source != instance)
            {
                return;
            }

            _catalogue = new Catalogue(
                instance,
                new BackendState(BackendStatus.Connected, null, connection.State.LastConnectedAt, 0) { ProtocolVersion = connection.State.ProtocolVersion },
                connection.Capabilities);
        }

        LogCatalogueLearned(_logger, Name.Value, _catalogue.Capabilities.Tools.Count);
        _runtime.Events.BackendChanged(this, CapabilityKinds.All);
    }

    /// <summary>A user's connection's lists changed: when it is the one the catalogue follows, the catalogue changes too.</summary>
    internal void InstanceChanged(PerUserInstance instance, CapabilityKinds kinds)
    {
        if (instance.Connection is not { State.Status: BackendStatus.Connected } connection)
        {
            return; // disconnected: the catalogue stays as it was learned
        }

        lock (_gate)
        {
            if (_catalogue is not { } catalogue || catalogue.Source != instance)
            {
                return;
            }

            _catalogue = catalogue with { Capabilities = connection.Capabilities };
        }

        // Everyone lists the catalogue's tools; resources and prompts each user lists from their own connection, whose
        // changes only they are told of (PerUserInstanceEvents).
        _runtime.Events.BackendChanged(this, kinds & ~AccountLists);
    }

    private async Task<IBackendConnection> StartInstanceAsync(PerUserInstance instance)
    {
        var owner = instance.Owner;
        try
        {
            var settings = _settings;
            var references = UserSecretReferences.In(settings);
            var values = PerUserSecrets.Check(Name, settings, references, references.Count == 0
                ? new Dictionary<string, UserSecretValue>()
                : await _runtime.Store.GetSecretsAsync(Name, owner, _stopping.Token));
            var connection = _runtime.Connect(UserSecretReferences.Resolve(settings, values), owner, new PerUserInstanceEvents(this, instance, _runtime.Events), _connectSlots);
            instance.Connection = connection;
            connection.Start();
            await connection.FirstAttempt.WaitAsync(_stopping.Token);
            if (connection.State.Status == BackendStatus.AwaitingOAuth)
            {
                throw new UserConnectionRequiredException(Name, "the backend needs your own authorization (OAuth) and you have not given it.");
            }

            LogInstanceStarted(_logger, Name.Value, owner.Key);
            instance.IdleTimer = _runtime.Time.CreateTimer(_ => CheckIdle(instance), null, IdleTimeout, Timeout.InfiniteTimeSpan);
            return instance;
        }
        catch
        {
            bool removed;
            lock (_gate)
            {
                removed = _instances.TryGetValue(owner, out var current) && current == instance && _instances.Remove(owner);
            }

            if (removed || instance.Connection is not null)
            {
                await StopConnectionAsync(instance);
            }

            throw;
        }
    }

    // Unused for the idle timeout (and no call running): stopped. Otherwise the timer waits for the rest of the timeout.
    private void CheckIdle(PerUserInstance instance)
    {
        var idle = IdleTimeout;
        var unused = _runtime.Time.GetUtcNow() - instance.LastUsed;
        lock (_gate)
        {
            if (!_instances.TryGetValue(instance.Owner, out var current) || current != instance)
            {
                return;
            }

            if (instance.InUse || unused < idle)
            {
                instance.IdleTimer?.Change(instance.InUse ? idle : idle - unused, Timeout.InfiniteTimeSpan);
                return;
            }

            _instances.Remove(instance.Owner);
        }

        _ = StopInstanceAsync(instance, "idle");
    }

    private async Task StopInstanceAsync(PerUserInstance instance, string reason, string why = "was stopped")
    {
        // One still starting is stopped once its start has ended (its clean-up then finds it no longer recorded).
        if (instance.Ready is { } ready)
        {
            try
            {
                await ready;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return; // it never ran: its start cleaned it up
            }
        }

        await StopConnectionAsync(instance, why);
        LogInstanceStopped(_logger, Name.Value, instance.Owner.Key, reason);
    }

    private async Task StopConnectionAsync(PerUserInstance instance, string why = "was stopped")
    {
        lock (_gate)
        {
            if (_catalogue is { } catalogue && catalogue.Source == instance)
            {
                // The catalogue stays listed; the next user connection that connects keeps it current.
                _catalogue = catalogue with { Source = null };
            }
        }

        if (instance.IdleTimer is { } timer)
        {
            await timer.DisposeAsync();
        }

        if (instance.Connection is { } connection)
        {
            try
            {
                await connection.StopAsync(why);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogStopFailed(_logger, Name.Value, e);
            }
        }
    }

    // A replica that has no catalogue yet starts the connection of a user who has connected completely (or, for a
    // backend without user secrets, the local one) to learn the lists. That connection then runs as any other.
    private async Task LearnCatalogueAsync()
    {
        try
        {
            foreach (var owner in await CandidatesAsync())
            {
                if (_catalogue is not null)
                {
                    break;
                }

                try
                {
                    await ForOwnerAsync(owner, _stopping.Token);
                    if (owner.IsLocal)
                    {
                        // With authentication on, the local owner is nobody: its connection must not take a user's place.
                        await ReleaseAsync(owner);
                    }
                }
                catch (UserConnectionRequiredException)
                {
                    // Not usable after all (e.g. tokens refused): the next candidate.
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && _stopping.IsCancellationRequested)
        {
            // Stopped while learning.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogLearnFailed(_logger, Name.Value, e);
        }
        finally
        {
            Volatile.Write(ref _learning, 0);
            _firstAttempt.TrySetResult();
        }
    }

    private async Task<List<ConnectionOwner>> CandidatesAsync()
    {
        const int MaxCandidates = 3;
        var settings = _settings;
        var references = UserSecretReferences.In(settings);
        var connections = await _runtime.Store.ListAsync(Name, null, _stopping.Token);
        var candidates = connections
            .Where(c => !c.AwaitingApproval && references.All(r => c.Secrets.Any(s => string.Equals(s.Name, r, StringComparison.Ordinal))))
            .OrderByDescending(c => c.HasOAuthTokens)
            .Select(c => c.Owner)
            .Take(MaxCandidates)
            .ToList();
        if (references.Count == 0 && settings is not HttpBackendSettings { OAuth: not null } && !candidates.Contains(ConnectionOwner.Local))
        {
            candidates.Add(ConnectionOwner.Local);
        }

        return candidates;
    }

    /// <summary>The lists shown for the backend, and the user connection they follow (null once it stopped).</summary>
    private sealed record Catalogue(PerUserInstance? Source, BackendState State, BackendCapabilities Capabilities);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: started the connection of user {Owner}")]
    private static partial void LogInstanceStarted(ILogger logger, string server, string owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: stopped the connection of user {Owner} ({Reason})")]
    private static partial void LogInstanceStopped(ILogger logger, string server, string owner, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: a user's connection was refused, {MaxInstances} already run (maxInstances)")]
    private static partial void LogTooManyInstances(ILogger logger, string server, int maxInstances);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server}: catalogue learned from a user's connection ({ToolCount} tools)")]
    private static partial void LogCatalogueLearned(ILogger logger, string server, int toolCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: learning the per-user backend's catalogue failed")]
    private static partial void LogLearnFailed(ILogger logger, string server, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backend {Server}: stopping a user's connection failed")]
    private static partial void LogStopFailed(ILogger logger, string server, Exception exception);
}
