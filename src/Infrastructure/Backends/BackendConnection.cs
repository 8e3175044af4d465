using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// One backend's live connection and its supervisor: connects (3 attempts with backoff), publishes the
/// backend's capabilities, keeps them current on <c>list_changed</c>, reconnects an HTTP backend that lost
/// its session, and restarts a stdio backend that exited when its settings ask for it.
/// </summary>
public sealed partial class BackendConnection : IBackendConnection, IAsyncDisposable
{
    internal static readonly TimeSpan[] ConnectBackoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];
    internal static readonly TimeSpan StableUptime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRetryAfterFailure = TimeSpan.FromMinutes(5);

    private readonly McpClientFactory _factory;
    private readonly IBackendEventSink _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, IProgress<ProgressNotificationValue>> _progress = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private volatile BackendSettings _settings;
    private volatile BackendState _state = new(BackendStatus.Connecting, null, null, 0);
    private volatile BackendCapabilities _capabilities = BackendCapabilities.Empty;
    private volatile McpClient? _client;
    private Task? _supervisor;

    private readonly SemaphoreSlim _connectSlots;

    public BackendConnection(
        BackendSettings settings,
        McpClientFactory factory,
        IBackendEventSink events,
        TimeProvider time,
        ILogger<BackendConnection> logger,
        SemaphoreSlim connectSlots)
    {
        _connectSlots = connectSlots;
        _settings = settings;
        _factory = factory;
        _events = events;
        _time = time;
        _logger = logger;
        if (settings.Disabled)
        {
            _state = new BackendState(BackendStatus.Disabled, null, null, 0);
        }
    }

    public ServerName Name => _settings.Name;

    public BackendSettings Settings => _settings;

    public BackendState State => _state;

    public BackendCapabilities Capabilities => _state.Status == BackendStatus.Connected ? _capabilities : BackendCapabilities.Empty;

    /// <summary>Completes when the first connect attempt sequence has ended, successfully or not.</summary>
    public Task FirstAttempt => _firstAttempt.Task;

    public void Start()
    {
        if (_settings.Disabled)
        {
            _firstAttempt.TrySetResult();
            return;
        }

        _supervisor ??= Task.Run(() => SuperviseAsync(_stopping.Token));
    }

    /// <summary>Applies settings that differ only in metadata; the connection stays up.</summary>
    public void UpdateMetadata(BackendSettings settings)
    {
        var previous = _settings;
        _settings = settings;
        _events.BackendChanged(this, CapabilityKinds.All, previous.Tags);
    }

    public async ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken)
    {
        if (progress is null)
        {
            return await SendAsync("tools/call", request, static (c, r, ct) => c.CallToolAsync(r, ct), cancellationToken);
        }

        var token = Guid.NewGuid().ToString("N");
        var meta = request.Meta is null ? [] : (JsonObject)request.Meta.DeepClone();
        meta["progressToken"] = token;
        _progress[token] = progress;
        try
        {
            var forwarded = new CallToolRequestParams { Name = request.Name, Arguments = request.Arguments, Meta = meta };
            return await SendAsync("tools/call", forwarded, static (c, r, ct) => c.CallToolAsync(r, ct), cancellationToken);
        }
        finally
        {
            _progress.TryRemove(token, out _);
        }
    }

    public ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken) =>
        SendAsync("resources/read", request, static (c, r, ct) => c.ReadResourceAsync(r, ct), cancellationToken);

    public ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken) =>
        SendAsync("prompts/get", request, static (c, r, ct) => c.GetPromptAsync(r, ct), cancellationToken);

    public ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken) =>
        SendAsync("completion/complete", request, static (c, r, ct) => c.CompleteAsync(r, ct), cancellationToken);

    public async ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken) =>
        await SendAsync("resources/subscribe", uri, static async (c, u, ct) =>
        {
            await c.SubscribeToResourceAsync(new SubscribeRequestParams { Uri = u }, ct);
            return true;
        }, cancellationToken);

    public async ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken) =>
        await SendAsync("resources/unsubscribe", uri, static async (c, u, ct) =>
        {
            await c.UnsubscribeFromResourceAsync(new UnsubscribeRequestParams { Uri = u }, ct);
            return true;
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_supervisor is not null)
        {
            try
            {
                await _supervisor;
            }
            catch (OperationCanceledException)
            {
                // Stopping is the expected way out.
            }
        }

        await DisposeClientAsync();
        if (_state.Status != BackendStatus.Disabled)
        {
            _state = _state with { Status = BackendStatus.Disconnected };
        }

        _firstAttempt.TrySetResult();
        _stopping.Dispose();
        _refreshGate.Dispose();
    }

    // The request travels as state to a static delegate: no closure or delegate is allocated per call.
    private async ValueTask<T> SendAsync<TRequest, T>(string method, TRequest request, Func<McpClient, TRequest, CancellationToken, ValueTask<T>> send, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.RequestTimeout);
        var client = CurrentClient();
        try
        {
            try
            {
                return await send(client, request, timeout.Token);
            }
            catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.NotFound && _settings.Transport != BackendTransport.Stdio)
            {
                // The backend restarted and forgot our session; it refused the request, so nothing ran and
                // it is safe to send it once more on the fresh session the supervisor is opening.
                var fresh = await WaitForReconnectAsync(client, timeout.Token);
                return await send(fresh, request, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            LogRequestTimedOut(_logger, Name.Value, method, _settings.RequestTimeout.TotalSeconds);
            throw new McpProtocolException(
                $"Server '{Name}' did not answer {method} within {_settings.RequestTimeout.TotalSeconds:0.###} s.",
                McpErrorCode.InternalError);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or ObjectDisposedException or ClientTransportClosedException)
        {
            throw new McpProtocolException($"Server '{Name}' disconnected while handling {method}.", e, McpErrorCode.InternalError);
        }
    }

    private McpClient CurrentClient()
    {
        var client = _client;
        return client is not null && _state.Status == BackendStatus.Connected
            ? client
            : throw new McpProtocolException($"Server '{Name}' is not connected ({Describe(_state.Status)}).", McpErrorCode.InternalError);
    }

    private async Task<McpClient> WaitForReconnectAsync(McpClient stale, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_client is { } client && !ReferenceEquals(client, stale) && _state.Status == BackendStatus.Connected)
            {
                return client;
            }

            if (_state.Status is BackendStatus.Error or BackendStatus.AwaitingOAuth or BackendStatus.Disconnected)
            {
                return CurrentClient();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken);
        }
    }

    private async Task SuperviseAsync(CancellationToken stopping)
    {
        var restarts = 0;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var client = await ConnectWithAttemptsAsync(stopping);
            _firstAttempt.TrySetResult();
            if (client is null)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                // Down after every attempt: keep trying, ever more slowly, so a backend that comes up later is picked up.
                failures++;
                var wait = TimeSpan.FromTicks(Math.Min(MaxRetryAfterFailure.Ticks, RetryAfterFailure.Ticks * (1L << Math.Min(failures - 1, 4))));
                await Task.Delay(wait, _time, stopping);
                continue;
            }

            failures = 0;
            var connectedAt = _time.GetUtcNow();
            var completion = await WaitForCompletionAsync(client, stopping);
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            await DisposeClientAsync();
            _events.BackendChanged(this, CapabilityKinds.All);

            if (_settings is StdioBackendSettings stdio)
            {
                var reason = DescribeExit(completion);
                if (!stdio.RestartOnExit)
                {
                    SetState(BackendStatus.Error, $"The server process exited ({reason}); 'restartOnExit' is off.");
                    LogExited(_logger, Name.Value, reason);
                    return;
                }

                if (_time.GetUtcNow() - connectedAt >= StableUptime)
                {
                    restarts = 0;
                }

                restarts++;
                if (stdio.MaxRestarts > 0 && restarts > stdio.MaxRestarts)
                {
                    SetState(BackendStatus.CrashLoop, $"The server process exited {restarts} times in a row ({reason}); restarts stopped after {stdio.MaxRestarts}.");
                    LogCrashLoop(_logger, Name.Value, stdio.MaxRestarts);
                    return;
                }

                var delay = stdio.RestartDelay * (1 << Math.Min(restarts - 1, 4));
                _state = new BackendState(BackendStatus.Restarting, $"The server process exited ({reason}); restart {restarts} in {delay.TotalSeconds:0.#} s.", _state.LastConnectedAt, restarts);
                LogRestarting(_logger, Name.Value, reason, restarts, delay.TotalMilliseconds);
                await Task.Delay(delay, _time, stopping);
            }
            else
            {
                // An HTTP backend that restarted forgets our session (404): open a fresh one right away.
                LogSessionLost(_logger, Name.Value, DescribeExit(completion));
                SetState(BackendStatus.Connecting, "The connection was lost; reconnecting.");
            }
        }
    }

    private async Task<McpClient?> ConnectWithAttemptsAsync(CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (_state.Status is not BackendStatus.Restarting)
            {
                SetState(BackendStatus.Connecting, _state.LastError);
            }

            try
            {
                McpClient client;
                await _connectSlots.WaitAsync(stopping);
                try
                {
                    client = await ConnectOnceAsync(stopping);
                }
                finally
                {
                    _connectSlots.Release();
                }

                _client = client;
                _state = new BackendState(BackendStatus.Connected, null, _time.GetUtcNow(), _state.Restarts) { Authorized = _factory.HasOAuthTokens(Name) };
                LogConnected(_logger, Name.Value, _settings.Transport, _capabilities.Tools.Count);
                _events.BackendConnected(this);
                return client;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e)
            {
                var message = DescribeConnectFailure(e);
                var last = attempt > ConnectBackoff.Length;
                SetState(IsUnauthorized(e) ? BackendStatus.AwaitingOAuth : BackendStatus.Error, message);
                LogConnectFailed(_logger, Name.Value, attempt, message);
                if (last || IsUnauthorized(e))
                {
                    return null;
                }

                await Task.Delay(ConnectBackoff[attempt - 1], _time, stopping);
            }
        }
    }

    private async Task<McpClient> ConnectOnceAsync(CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_settings.ConnectionTimeout);
        var transport = _factory.CreateTransport(_settings, line => LogStderr(_logger, Name.Value, line), OnTokenRejected);
        McpClient? client = null;
        try
        {
            client = await McpClient.CreateAsync(transport, McpClientFactory.CreateClientOptions(CreateHandlers()), null, timeout.Token);
            _capabilities = await FetchCapabilitiesAsync(client, BackendCapabilities.Empty, CapabilityKinds.All, timeout.Token);
            return client;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            throw new TimeoutException($"No answer within the connection timeout of {_settings.ConnectionTimeout.TotalSeconds:0.###} s.");
        }
        catch
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            throw;
        }
    }

    // The backend refused our OAuth token while connected: reconnecting renews it (or, when that fails, leaves the
    // backend awaiting OAuth with the reason).
    private void OnTokenRejected()
    {
        if (_state.Status == BackendStatus.Connected && _client is { } client)
        {
            LogTokenRejected(_logger, Name.Value);
            _ = client.DisposeAsync().AsTask();
        }
    }

    private McpClientHandlers CreateHandlers() => new()
    {
        NotificationHandlers =
        [
            new(NotificationMethods.ToolListChangedNotification, (_, _) => Refresh(CapabilityKinds.Tools)),
            new(NotificationMethods.ResourceListChangedNotification, (_, _) => Refresh(CapabilityKinds.Resources)),
            new(NotificationMethods.PromptListChangedNotification, (_, _) => Refresh(CapabilityKinds.Prompts)),
            new(NotificationMethods.ProgressNotification, OnProgress),
            new(NotificationMethods.ResourceUpdatedNotification, OnResourceUpdated),
            new(NotificationMethods.LoggingMessageNotification, OnLogMessage),
        ],
        SamplingHandler = (request, _, ct) => _events.SampleAsync(Name, request ?? throw new McpProtocolException("Missing parameters.", McpErrorCode.InvalidParams), ct),
        ElicitationHandler = (request, ct) => _events.ElicitAsync(Name, request ?? throw new McpProtocolException("Missing parameters.", McpErrorCode.InvalidParams), ct),
        RootsHandler = (request, ct) => _events.ListRootsAsync(Name, request ?? new ListRootsRequestParams(), ct),
    };

    private ValueTask OnProgress(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        var value = notification.Params?.Deserialize<ProgressNotificationParams>(McpJsonUtilities.DefaultOptions);
        if (value?.ProgressToken.Token is string token && _progress.TryGetValue(token, out var progress))
        {
            progress.Report(value.Progress);
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnResourceUpdated(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        if (notification.Params?.Deserialize<ResourceUpdatedNotificationParams>(McpJsonUtilities.DefaultOptions) is { Uri: { } uri })
        {
            _events.ResourceUpdated(this, uri);
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnLogMessage(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        if (notification.Params?.Deserialize<LoggingMessageNotificationParams>(McpJsonUtilities.DefaultOptions) is { } message)
        {
            _events.LogMessage(this, message);
        }

        return ValueTask.CompletedTask;
    }

    // Runs off the client's message loop: fetching the new list is itself a request on this connection.
    private ValueTask Refresh(CapabilityKinds kinds)
    {
        _ = RefreshAsync(kinds);
        return ValueTask.CompletedTask;
    }

    private async Task RefreshAsync(CapabilityKinds kinds)
    {
        var client = _client;
        if (client is null)
        {
            return;
        }

        await _refreshGate.WaitAsync(_stopping.Token);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(_settings.RequestTimeout);
            _capabilities = await FetchCapabilitiesAsync(client, _capabilities, kinds, timeout.Token);
            _events.BackendChanged(this, kinds);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            LogRefreshFailed(_logger, Name.Value, e.Message);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private static async Task<BackendCapabilities> FetchCapabilitiesAsync(McpClient client, BackendCapabilities current, CapabilityKinds kinds, CancellationToken cancellationToken)
    {
        var server = client.ServerCapabilities;
        var tools = current.Tools;
        var resources = current.Resources;
        var templates = current.ResourceTemplates;
        var prompts = current.Prompts;

        if (kinds.HasFlag(CapabilityKinds.Tools))
        {
            tools = server.Tools is null ? [] : await DrainAsync(
                async (cursor, ct) => await client.ListToolsAsync(new ListToolsRequestParams { Cursor = cursor }, ct),
                r => r.Tools, r => r.NextCursor, cancellationToken);
        }

        if (kinds.HasFlag(CapabilityKinds.Resources))
        {
            resources = server.Resources is null ? [] : await DrainAsync(
                async (cursor, ct) => await client.ListResourcesAsync(new ListResourcesRequestParams { Cursor = cursor }, ct),
                r => r.Resources, r => r.NextCursor, cancellationToken);
            templates = server.Resources is null ? [] : await DrainAsync(
                async (cursor, ct) => await client.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams { Cursor = cursor }, ct),
                r => r.ResourceTemplates, r => r.NextCursor, cancellationToken);
        }

        if (kinds.HasFlag(CapabilityKinds.Prompts))
        {
            prompts = server.Prompts is null ? [] : await DrainAsync(
                async (cursor, ct) => await client.ListPromptsAsync(new ListPromptsRequestParams { Cursor = cursor }, ct),
                r => r.Prompts, r => r.NextCursor, cancellationToken);
        }

        return new BackendCapabilities(
            tools, resources, templates, prompts,
            client.ServerInstructions,
            SupportsCompletions: server.Completions is not null,
            SupportsResourceSubscribe: server.Resources?.Subscribe == true);
    }

    /// <summary>Reads every page; a backend that repeats a cursor or pages forever is cut off.</summary>
    private static async Task<IReadOnlyList<TItem>> DrainAsync<TResult, TItem>(
        Func<string?, CancellationToken, Task<TResult>> list,
        Func<TResult, IList<TItem>> items,
        Func<TResult, string?> nextCursor,
        CancellationToken cancellationToken)
    {
        const int MaxPages = 1000;
        var all = new List<TItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var result = await list(cursor, cancellationToken);
            all.AddRange(items(result));
            cursor = nextCursor(result);
            if (cursor is null || !seen.Add(cursor))
            {
                break;
            }
        }

        return all;
    }

    private static async Task<ClientCompletionDetails?> WaitForCompletionAsync(McpClient client, CancellationToken stopping)
    {
        try
        {
            return await client.Completion.WaitAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task DisposeClientAsync()
    {
        var client = Interlocked.Exchange(ref _client, null);
        if (client is not null)
        {
            try
            {
                await client.DisposeAsync();
            }
            catch (Exception e)
            {
                LogDisposeFailed(_logger, Name.Value, e.Message);
            }
        }
    }

    private void SetState(BackendStatus status, string? error) =>
        _state = new BackendState(status, error, _state.LastConnectedAt, _state.Restarts);

    private static bool IsUnauthorized(Exception e) =>
        e is HttpRequestException { StatusCode: HttpStatusCode.Unauthorized }
        || (e.InnerException is not null && IsUnauthorized(e.InnerException));

    private static string DescribeConnectFailure(Exception e) => e switch
    {
        _ when FindAuthorizationRequired(e) is { } required => required.Message,
        _ when IsUnauthorized(e) => "The server requires OAuth authorization.",
        TimeoutException => e.Message,
        HttpRequestException { StatusCode: { } code } => $"HTTP {(int)code} {code}.",
        HttpRequestException h => h.InnerException?.Message ?? h.Message,
        _ => e.InnerException is { } inner && e.Message.Length < 20 ? inner.Message : e.Message,
    };

    private static OAuth.BackendAuthorizationRequiredException? FindAuthorizationRequired(Exception? e) => e switch
    {
        null => null,
        OAuth.BackendAuthorizationRequiredException required => required,
        _ => FindAuthorizationRequired(e.InnerException),
    };

    private static string DescribeExit(ClientCompletionDetails? details) => details switch
    {
        StdioClientCompletionDetails { ExitCode: { } code } => $"exit code {code}",
        HttpClientCompletionDetails { HttpStatusCode: { } status } => $"HTTP {(int)status}",
        { Exception: { } e } => e.Message,
        _ => "closed",
    };

    private static string Describe(BackendStatus status) => status switch
    {
        BackendStatus.AwaitingOAuth => "awaiting OAuth authorization",
        BackendStatus.CrashLoop => "stopped after repeated crashes",
        _ => status.ToString().ToLowerInvariant(),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server} connected over {Transport} with {ToolCount} tools")]
    private static partial void LogConnected(ILogger logger, string server, BackendTransport transport, int toolCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: connect attempt {Attempt} failed: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string server, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server} exited ({Reason}) and is not restarted (restartOnExit is off)")]
    private static partial void LogExited(ILogger logger, string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server} exited ({Reason}); restart {Restart} in {DelayMs} ms")]
    private static partial void LogRestarting(ILogger logger, string server, string reason, int restart, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Backend {Server} is crash-looping; restarts stopped after {MaxRestarts}")]
    private static partial void LogCrashLoop(ILogger logger, string server, int maxRestarts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server} lost its connection ({Reason}); reconnecting")]
    private static partial void LogSessionLost(ILogger logger, string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: {Method} timed out after {Seconds} s")]
    private static partial void LogRequestTimedOut(ILogger logger, string server, string method, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: refreshing its lists failed, keeping the previous ones: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string server, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backend {Server}: closing the client failed: {Reason}")]
    private static partial void LogDisposeFailed(ILogger logger, string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server} refused the gateway's OAuth access token; reconnecting to renew it")]
    private static partial void LogTokenRejected(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backend {Server} stderr: {Line}")]
    private static partial void LogStderr(ILogger logger, string server, string line);
}
