using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// One backend's live connection, as the gateway engine uses it. It assembles the parts that do the work:
/// the <see cref="BackendSupervisor"/> keeps it connected and moves its <see cref="BackendStateMachine"/>, the
/// <see cref="BackendRequestChannel"/> sends requests, the <see cref="BackendCapabilityFetcher"/> keeps its
/// capabilities, and the <see cref="BackendNotificationRouter"/> passes on what the backend sends.
/// </summary>
public sealed class BackendConnection : IPooledBackend
{
    private readonly IBackendEventSink _events;
    private readonly CancellationTokenSource _stopping = new();
    private readonly BackendStateMachine _state;
    private readonly BackendCapabilityFetcher _capabilities = new();
    private readonly BackendSupervisor _supervisor;
    private readonly BackendRequestChannel _requests;

    private volatile BackendSettings _settings;

    public BackendConnection(
        BackendSettings settings,
        McpClientFactory factory,
        IBackendEventSink events,
        TimeProvider time,
        ILogger<BackendConnection> logger,
        SemaphoreSlim connectSlots,
        ConnectionOwner? owner = null)
    {
        Owner = owner;
        _settings = settings;
        _events = events;
        _state = new BackendStateMachine(settings.Disabled);
        var progress = new BackendProgressRoutes();
        var notifications = new BackendNotificationRouter(this, events, RefreshAsync, logger, _stopping.Token);
        _supervisor = new BackendSupervisor(this, factory, events, _state, _capabilities, notifications, progress, connectSlots, time, logger);
        _requests = new BackendRequestChannel(this, _supervisor, _state, progress, logger);
    }

    /// <summary>Whose connection this is to a per-user backend (its transport carries their credentials); null: the shared one.</summary>
    public ConnectionOwner? Owner { get; }

    public ServerName Name => _settings.Name;

    public BackendSettings Settings => _settings;

    public BackendState State => _state.State;

    public BackendCapabilities Capabilities => _state.Status == BackendStatus.Connected ? _capabilities.Current : BackendCapabilities.Empty;

    /// <summary>Completes when the first connect attempt sequence has ended, successfully or not.</summary>
    public Task FirstAttempt => _supervisor.FirstAttempt;

    public void Start() => _supervisor.Start(_stopping.Token);

    /// <summary>Applies settings that differ only in metadata; the connection stays up.</summary>
    public void UpdateMetadata(BackendSettings settings)
    {
        var previous = _settings;
        _settings = settings;
        _events.BackendChanged(this, CapabilityKinds.All, previous.Tags);
    }

    public ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken) =>
        _requests.CallToolAsync(request, progress, cancellationToken);

    public ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken) =>
        _requests.ReadResourceAsync(request, cancellationToken);

    public ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken) =>
        _requests.GetPromptAsync(request, cancellationToken);

    public ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken) =>
        _requests.CompleteAsync(request, cancellationToken);

    public ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken) =>
        _requests.SubscribeAsync(uri, cancellationToken);

    public ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken) =>
        _requests.UnsubscribeAsync(uri, cancellationToken);

    public ValueTask DisposeAsync() => StopAsync("was stopped");

    /// <summary>
    /// Stops the backend for good: the calls in flight end at once with an error that says <paramref name="why"/>
    /// ("was restarted", "was disabled", "was removed"), and are not sent again.
    /// </summary>
    public async ValueTask StopAsync(string why)
    {
        await _stopping.CancelAsync();
        await _supervisor.StopAsync(why);
        _stopping.Dispose();
        _capabilities.Dispose();
    }

    // The backend said one of its lists changed: refetch that list and tell the sessions that can see it.
    private async Task RefreshAsync(CapabilityKinds kinds)
    {
        if (_supervisor.Client is not { } client)
        {
            return;
        }

        await _capabilities.RefreshAsync(client, kinds, _settings.RequestTimeout, _stopping.Token);
        _events.BackendChanged(this, kinds);
    }
}
