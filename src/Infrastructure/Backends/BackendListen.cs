using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// What the gateway follows on a backend that speaks 2026-07-28, which sends list_changed and resource updates only
/// on a <c>subscriptions/listen</c> stream (there is no <c>resources/subscribe</c> in that revision): one listen per
/// connected client, for the list changes the backend can announce and the resources the gateway's clients
/// subscribed to. A change of those resources opens a new listen with the new set and closes the old one once the
/// backend acknowledged the new one, so no notification falls in between; a listen the backend drops is opened
/// again (after a growing pause when it keeps dropping); everything closes with the client.
/// </summary>
internal sealed partial class BackendListen : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    private readonly McpClient _client;
    private readonly string _server;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentDictionary<string, BackendListenStream> _streams = new(StringComparer.Ordinal);
    private readonly IAsyncDisposable _ackHandler;

    // Guards the fields below.
    private readonly Lock _lock = new();
    private readonly HashSet<string> _resources = new(StringComparer.Ordinal);
    private readonly List<(int Version, TaskCompletionSource Done)> _waiting = [];
    private int _version;
    private int _streamCount;

    private Task _running = Task.CompletedTask;

    public BackendListen(McpClient client, string server, TimeProvider time, ILogger logger)
    {
        _client = client;
        _server = server;
        _time = time;
        _logger = logger;
        _ackHandler = client.RegisterNotificationHandler(NotificationMethods.SubscriptionsAcknowledgedNotification, OnAcknowledged);
    }

    /// <summary>Whether the client negotiated a revision in which list changes and resource updates come only on a listen.</summary>
    public static bool IsNeeded(McpClient client) =>
        string.CompareOrdinal(client.NegotiatedProtocolVersion, "2026-07-28") >= 0;

    /// <summary>
    /// Opens the first listen (when the backend can announce anything) and keeps one open from then on; completes
    /// once the backend acknowledged it, so nothing announced after that is missed. A backend that refuses it stays
    /// usable: the refusal is logged and the listen is tried again later.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waiting.Add((_version, first));
        }

        _running = Task.Run(RunAsync, CancellationToken.None);

        // A refusal was logged by the loop, which keeps trying; the backend is connected either way.
        await first.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Follows <paramref name="uri"/>; completes once the backend acknowledged a listen that includes it.</summary>
    public Task SubscribeAsync(string uri, CancellationToken cancellationToken) => ChangeAsync(uri, add: true, cancellationToken);

    /// <summary>Stops following <paramref name="uri"/>; completes once the listen without it is acknowledged.</summary>
    public Task UnsubscribeAsync(string uri, CancellationToken cancellationToken) => ChangeAsync(uri, add: false, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _running;
        await _ackHandler.DisposeAsync();
        foreach (var stream in _streams.Values)
        {
            await stream.DisposeAsync();
        }

        lock (_lock)
        {
            foreach (var (_, done) in _waiting)
            {
                done.TrySetException(new McpProtocolException($"Server '{_server}' disconnected.", McpErrorCode.InternalError));
            }

            _waiting.Clear();
        }

        _stopping.Dispose();
        _wake.Dispose();
    }

    private async Task ChangeAsync(string uri, bool add, CancellationToken cancellationToken)
    {
        Task done;
        lock (_lock)
        {
            if (!(add ? _resources.Add(uri) : _resources.Remove(uri)))
            {
                return;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((++_version, waiter));
            done = waiter.Task;
        }

        _wake.Release();
        await done.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        BackendListenStream? current = null;
        var failures = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var (version, wanted) = Wanted();
                var dropped = current is not null && current.Completion.IsCompleted;
                if (current is null || current.Version != version || (dropped && current.GrantsAnything))
                {
                    if (wanted is null)
                    {
                        await CloseAsync(current);
                        current = null;
                        Settle(version, failure: null);
                    }
                    else
                    {
                        if (dropped && current!.Version == version)
                        {
                            LogListenDropped(_logger, _server);
                            await Task.Delay(Backoff(++failures), _time, stopping);
                        }

                        var next = Open(version, wanted);
                        if (await next.Acknowledged.WaitAsync(stopping))
                        {
                            await CloseAsync(current);
                            current = next;
                            failures = dropped ? failures : 0;
                            Settle(version, failure: null);
                            _ = WatchAsync(next);
                        }
                        else
                        {
                            var failure = await EndedAsync(next);
                            await CloseAsync(next);
                            Settle(version, failure);
                            LogListenFailed(_logger, _server, failure.Message, failure);
                            await Task.Delay(Backoff(++failures), _time, stopping);
                            continue;
                        }
                    }
                }

                await _wake.WaitAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The client is closing: DisposeAsync closes what is still open.
        }
        catch (Exception e)
        {
            LogListenLoopFailed(_logger, _server, e);
            lock (_lock)
            {
                foreach (var (_, done) in _waiting)
                {
                    done.TrySetException(e);
                }

                _waiting.Clear();
            }
        }
    }

    // Wakes the loop when an acknowledged stream ends, so it is opened again.
    private async Task WatchAsync(BackendListenStream stream)
    {
        var failure = await EndedAsync(stream);
        if (!_stopping.IsCancellationRequested)
        {
            LogListenEnded(_logger, _server, failure.Message, failure);
            try
            {
                _wake.Release();
            }
            catch (ObjectDisposedException e)
            {
                LogListenEnded(_logger, _server, "the backend connection closed", e);
            }
        }
    }

    private BackendListenStream Open(int version, SubscriptionsListenNotifications wanted)
    {
        var id = $"onemcp-listen-{Interlocked.Increment(ref _streamCount)}";
        var stream = new BackendListenStream(id, version);

        // Known before it is sent: the acknowledgement may arrive before the request's send returns.
        _streams[id] = stream;
        stream.Start(_client, wanted);
        return stream;
    }

    private async Task CloseAsync(BackendListenStream? stream)
    {
        if (stream is not null)
        {
            _streams.TryRemove(stream.Id, out _);
            await stream.DisposeAsync();
        }
    }

    // What the listen asks for now: the list changes the backend announces and the followed resources; null when nothing.
    private (int Version, SubscriptionsListenNotifications? Wanted) Wanted()
    {
        var capabilities = _client.ServerCapabilities;
        lock (_lock)
        {
            var wanted = new SubscriptionsListenNotifications
            {
                ToolsListChanged = capabilities.Tools?.ListChanged == true ? true : null,
                PromptsListChanged = capabilities.Prompts?.ListChanged == true ? true : null,
                ResourcesListChanged = capabilities.Resources?.ListChanged == true ? true : null,
                ResourceSubscriptions = _resources.Count > 0 ? [.. _resources.Order(StringComparer.Ordinal)] : null,
            };
            var anything = wanted.ToolsListChanged is not null || wanted.PromptsListChanged is not null
                || wanted.ResourcesListChanged is not null || wanted.ResourceSubscriptions is not null;
            return (_version, anything ? wanted : null);
        }
    }

    // Completes the subscribe and unsubscribe calls waiting for this version or an earlier one.
    private void Settle(int version, Exception? failure)
    {
        lock (_lock)
        {
            foreach (var (waited, done) in _waiting.Where(w => w.Version <= version))
            {
                if (failure is null)
                {
                    done.TrySetResult();
                }
                else
                {
                    done.TrySetException(new McpProtocolException($"Server '{_server}' refused to send resource updates: {failure.Message}", failure, McpErrorCode.InternalError));
                }
            }

            _waiting.RemoveAll(w => w.Version <= version);
        }
    }

    private ValueTask OnAcknowledged(JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        if (notification.Params is JsonObject parameters
            && parameters["_meta"]?[MetaKeys.SubscriptionId] is JsonValue id && id.TryGetValue(out string? subscription)
            && _streams.TryGetValue(subscription, out var stream))
        {
            var acknowledged = parameters.Deserialize<SubscriptionsAcknowledgedNotificationParams>(McpJsonUtilities.DefaultOptions);
            stream.OnAcknowledged(acknowledged?.Notifications);
        }

        return ValueTask.CompletedTask;
    }

    // How a stream ended, as an exception to log or hand to the waiting callers.
    private static async Task<Exception> EndedAsync(BackendListenStream stream)
    {
        try
        {
            await stream.Completion;
            return new InvalidOperationException("The server ended the listen request.");
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static TimeSpan Backoff(int failures) => RetryDelay.After(failures, FirstRetry, MaxRetry);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend {Server}: subscriptions/listen failed, list changes and resource updates are not heard until it is opened again: {Reason}")]
    private static partial void LogListenFailed(ILogger logger, string server, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backend {Server}: a subscriptions/listen stream ended: {Reason}")]
    private static partial void LogListenEnded(ILogger logger, string server, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Backend {Server}: following its subscriptions/listen stopped unexpectedly; list changes and resource updates are not heard until it reconnects")]
    private static partial void LogListenLoopFailed(ILogger logger, string server, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Server} dropped its subscriptions/listen stream; opening it again")]
    private static partial void LogListenDropped(ILogger logger, string server);
}
