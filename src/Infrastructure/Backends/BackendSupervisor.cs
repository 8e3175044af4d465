using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// Keeps one backend connected: connects (3 attempts with backoff, then ever more slowly), reconnects an HTTP
/// backend that lost its session (at once, then ever more slowly while it keeps losing them), and restarts a stdio
/// backend that exited when its settings ask for it, until the restart budget is used up (a crash loop). Owns the
/// backend's current client and moves its <see cref="BackendStateMachine"/>.
/// </summary>
internal sealed partial class BackendSupervisor(
    BackendConnection backend,
    McpClientFactory factory,
    IBackendEventSink events,
    BackendStateMachine state,
    BackendCapabilityFetcher capabilities,
    BackendNotificationRouter notifications,
    BackendProgressRoutes progress,
    SemaphoreSlim connectSlots,
    TimeProvider time,
    ILogger logger)
{
    internal static readonly TimeSpan[] ConnectBackoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];
    internal static readonly TimeSpan StableUptime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRetryAfterFailure = TimeSpan.FromMinutes(5);

    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ConnectedClient? _current;
    private volatile BackendListen? _listen;
    private Task? _running;

    /// <summary>The connected client; null while connecting, after a failure and once stopped.</summary>
    public McpClient? Client => _current?.Client;

    /// <summary>
    /// The current connection: its client, its calls that skip the client's pipeline (ADR 0039, ADR 0044), and the
    /// token its requests are linked to, cancelled when it is closed (ADR 0059); null while connecting, after a failure
    /// and once stopped.
    /// </summary>
    public ConnectedClient? Current => _current;

    /// <summary>The connected client's <c>subscriptions/listen</c>; null for a backend that speaks a revision with sessions.</summary>
    public BackendListen? Listen => _listen;

    /// <summary>Completes when the first connect attempt sequence has ended, successfully or not.</summary>
    public Task FirstAttempt => _firstAttempt.Task;

    private BackendSettings Settings => backend.Settings;

    private ServerName Name => backend.Name;

    /// <summary>Starts supervising until <paramref name="stopping"/> is cancelled; a disabled backend is not started.</summary>
    public void Start(CancellationToken stopping)
    {
        if (Settings.Disabled)
        {
            _firstAttempt.TrySetResult();
            return;
        }

        _running ??= Task.Run(() => RunAsync(stopping), CancellationToken.None);
    }

    /// <summary>
    /// Once the stopping token is cancelled: ends the requests in flight at once, saying <paramref name="why"/> ("was
    /// restarted"), waits for the supervision to end and closes the client.
    /// </summary>
    public async Task StopAsync(string why)
    {
        _current?.Close(why);
        if (_running is not null)
        {
            await _running;
        }

        await CloseClientAsync(why);
        state.Stop();
        _firstAttempt.TrySetResult();
    }

    // The supervision task is awaited only when the backend stops: whatever ends it is logged here, with its exception.
    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await SuperviseAsync(stopping);
        }
        catch (OperationCanceledException e) when (stopping.IsCancellationRequested)
        {
            LogSupervisionStopped(logger, Name.Value, e);
        }
        catch (Exception e)
        {
            LogSupervisionFailed(logger, Name.Value, e);
        }
        finally
        {
            _firstAttempt.TrySetResult();
        }
    }

    private async Task SuperviseAsync(CancellationToken stopping)
    {
        var restarts = 0;
        var failures = 0;
        var losses = 0;
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
                var wait = RetryDelay.After(failures, RetryAfterFailure, MaxRetryAfterFailure);
                await Task.Delay(wait, time, stopping);
                continue;
            }

            failures = 0;
            var connectedAt = time.GetUtcNow();
            var completion = await WaitForCompletionAsync(client, stopping);
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            // The calls in flight are not ended here (ADR 0059): a stdio backend's process that exited has failed them
            // already (its pipe closed), and an HTTP backend's may be one the backend refused for the session it forgot
            // (404: nothing ran), which is then sent again on the fresh session, or one the old session still runs,
            // which its stream answers (or its timeout ends).
            await CloseClientAsync(why: null);
            events.BackendChanged(backend, CapabilityKinds.All);

            if (Settings is StdioBackendSettings settings)
            {
                var reason = BackendFailures.DescribeExit(completion);
                if (!settings.RestartOnExit)
                {
                    state.Exited($"The server process exited ({reason}); 'restartOnExit' is off.");
                    LogExited(logger, Name.Value, Loggable(reason));
                    return;
                }

                if (time.GetUtcNow() - connectedAt >= StableUptime)
                {
                    restarts = 0;
                }

                restarts++;
                if (settings.MaxRestarts > 0 && restarts > settings.MaxRestarts)
                {
                    state.CrashLooped($"The server process exited {restarts} times in a row ({reason}); restarts stopped after {settings.MaxRestarts}.");
                    LogCrashLoop(logger, Name.Value, settings.MaxRestarts);
                    return;
                }

                var delay = settings.RestartDelay * (1 << Math.Min(restarts - 1, 4));
                state.Restarting($"The server process exited ({reason}); restart {restarts} in {delay.TotalSeconds:0.#} s.", restarts);
                LogRestarting(logger, Name.Value, Loggable(reason), restarts, delay.TotalMilliseconds);
                await Task.Delay(delay, time, stopping);
            }
            else
            {
                // An HTTP backend that restarted forgets our session (404): the first loss opens a fresh one right away.
                // One that loses every session soon after it was opened (it forgets them, or a load balancer sends our
                // requests to a replica that never knew them) is reconnected ever more slowly, as a failed connect is:
                // reconnecting at once every time would keep the gateway and the backend busy in a loop.
                if (time.GetUtcNow() - connectedAt >= StableUptime)
                {
                    losses = 0;
                }

                losses++;
                var reason = Loggable(BackendFailures.DescribeExit(completion));
                if (losses == 1)
                {
                    LogSessionLost(logger, Name.Value, reason);
                    state.ConnectionLost("The connection was lost; reconnecting.");
                    continue;
                }

                var delay = RetryDelay.After(losses - 1, ConnectBackoff[0], MaxRetryAfterFailure);
                LogSessionLostAgain(logger, Name.Value, reason, losses, delay.TotalMilliseconds);
                state.ConnectionLost($"The connection was lost {losses} times in a row, each soon after it was opened; reconnecting in {delay.TotalSeconds:0.#} s.");
                await Task.Delay(delay, time, stopping);
            }
        }
    }

    private async Task<McpClient?> ConnectWithAttemptsAsync(CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            state.BeginAttempt();
            McpClient client;
            IDirectCalls? direct;
            try
            {
                await connectSlots.WaitAsync(stopping);
                try
                {
                    (client, direct) = await ConnectOnceAsync(stopping);
                }
                finally
                {
                    connectSlots.Release();
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Stopping while connecting: no client, and the caller ends the supervision.
                return null;
            }
            catch (Exception e)
            {
                var message = BackendFailures.DescribeConnectFailure(e);
                var unauthorized = BackendFailures.IsUnauthorized(e);
                state.AttemptFailed(message, awaitingOAuth: unauthorized);
                LogConnectFailed(logger, Name.Value, attempt, Loggable(message));
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    var error = Loggable(e.ToString());
                    LogConnectFailure(logger, Name.Value, attempt, error);
                }

                if (attempt > ConnectBackoff.Length || unauthorized)
                {
                    return null;
                }

                await Task.Delay(ConnectBackoff[attempt - 1], time, stopping);
                continue;
            }

            // Published before the state says Connected: whoever sees Connected finds the client.
            _current = new ConnectedClient(client, direct);
            state.Connected(time.GetUtcNow(), factory.HasOAuthTokens(Name), client.NegotiatedProtocolVersion);
            LogConnected(logger, Name.Value, Settings.Transport, capabilities.Current.Tools.Count);
            events.BackendConnected(backend);
            return client;
        }
    }

    private async Task<(McpClient Client, IDirectCalls? Direct)> ConnectOnceAsync(CancellationToken stopping)
    {
        var settings = Settings;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(settings.ConnectionTimeout);
        var transport = new ProgressOnArrivalTransport(
            factory.CreateTransport(settings, backend.Owner, progress, LogStderrLine, OnTokenRejected, out var route), progress, logger);
        McpClient? client = null;
        BackendListen? listen = null;
        try
        {
            var options = McpClientFactory.CreateClientOptions(notifications.CreateHandlers());
            client = await McpClient.CreateAsync(transport, options, null, timeout.Token);

            // A 2026-07-28 backend announces list changes only on a listen: it is open before the lists are
            // fetched, so no change between the fetch and the listen goes unheard.
            if (BackendListen.IsNeeded(client))
            {
                listen = new BackendListen(client, Name.Value, time, logger);
                await listen.StartAsync(timeout.Token);
            }

            await capabilities.LoadAsync(client, timeout.Token);
            _listen = listen;
            // The client info and capabilities as the SDK client puts them into a 2026-07-28 request (it fills in the
            // capabilities of the handlers it was given).
            return (client, route?.Open(client, transport.Deliver, options.ClientInfo!, options.Capabilities ?? new ClientCapabilities()));
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            await DisposeAsync(listen, client);
            throw new TimeoutException($"No answer within the connection timeout of {settings.ConnectionTimeout.TotalSeconds:0.###} s.");
        }
        catch
        {
            await DisposeAsync(listen, client);
            throw;
        }
    }

    private static async Task DisposeAsync(BackendListen? listen, McpClient? client)
    {
        if (listen is not null)
        {
            await listen.DisposeAsync();
        }

        if (client is not null)
        {
            await client.DisposeAsync();
        }
    }

    // What the backend writes to its standard error, and the failures that quote it, go to the log without the values
    // of its env, headers and OAuth client secret: a server refusing its API key often prints the key.
    private string Loggable(string text) => BackendErrorRedaction.WithoutSecrets(text, Settings)!;

    private void LogStderrLine(string line)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            var loggable = Loggable(line);
            LogStderr(logger, Name.Value, loggable);
        }
    }

    // The backend refused our OAuth token while connected: reconnecting renews it (or, when that fails, leaves the
    // backend awaiting OAuth with the reason). Closing the client ends it, which the supervision loop handles.
    private void OnTokenRejected()
    {
        if (state.Status == BackendStatus.Connected && _current is { } current)
        {
            LogTokenRejected(logger, Name.Value);
            _ = CloseAsync(current.Client);
        }
    }

    private static async Task<ClientCompletionDetails?> WaitForCompletionAsync(McpClient client, CancellationToken stopping)
    {
        try
        {
            return await client.Completion.WaitAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping, not a completion: the caller checks the token and ends the supervision.
            return null;
        }
    }

    // The requests in flight end first, saying why, and are not left to whatever the disposed client's streams bring.
    private async Task CloseClientAsync(string? why)
    {
        var current = Interlocked.Exchange(ref _current, null);
        if (why is not null)
        {
            current?.Close(why);
        }

        if (Interlocked.Exchange(ref _listen, null) is { } listen)
        {
            await listen.DisposeAsync();
        }

        if (current is not null)
        {
            await CloseAsync(current.Client);
        }
    }

    // Never throws, so it can also run unawaited: a failure to close is logged with its exception.
    private async Task CloseAsync(McpClient client)
    {
        try
        {
            await client.DisposeAsync();
        }
        catch (Exception e)
        {
            LogDisposeFailed(logger, Name.Value, e.Message, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server} connected over {Transport} with {ToolCount} tools")]
    private static partial void LogConnected(ILogger logger, string server, BackendTransport transport, int toolCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: connect attempt {Attempt} failed: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string server, int attempt, string reason);

    // The warning above is what operators read; the exception behind it, stack trace included, goes to the debug log
    // (as text, so the backend's secrets can be cut out of what it quotes).
    [LoggerMessage(Level = LogLevel.Debug, Message = "Backend {Server}: the error behind connect attempt {Attempt}: {Error}")]
    private static partial void LogConnectFailure(ILogger logger, string server, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server} exited ({Reason}) and is not restarted (restartOnExit is off)")]
    private static partial void LogExited(ILogger logger, string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server} exited ({Reason}); restart {Restart} in {DelayMs} ms")]
    private static partial void LogRestarting(ILogger logger, string server, string reason, int restart, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Backend {Server} is crash-looping; restarts stopped after {MaxRestarts}")]
    private static partial void LogCrashLoop(ILogger logger, string server, int maxRestarts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server} lost its connection ({Reason}); reconnecting")]
    private static partial void LogSessionLost(ILogger logger, string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server} lost its connection ({Reason}) {Losses} times in a row; reconnecting in {DelayMs} ms")]
    private static partial void LogSessionLostAgain(ILogger logger, string server, string reason, int losses, double delayMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backend {Server}: closing the client failed: {Reason}")]
    private static partial void LogDisposeFailed(ILogger logger, string server, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server} refused the gateway's OAuth access token; reconnecting to renew it")]
    private static partial void LogTokenRejected(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backend {Server} stderr: {Line}")]
    private static partial void LogStderr(ILogger logger, string server, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backend {Server}: supervision stopped")]
    private static partial void LogSupervisionStopped(ILogger logger, string server, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Backend {Server}: supervision ended unexpectedly; the backend is no longer reconnected or restarted")]
    private static partial void LogSupervisionFailed(ILogger logger, string server, Exception exception);
}
