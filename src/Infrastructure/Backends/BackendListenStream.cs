using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Backends;

/// <summary>
/// One open <c>subscriptions/listen</c> request to a 2026-07-28 backend: the long-lived request whose stream carries
/// the backend's list_changed and resource updates. The backend's first message on it is
/// <c>notifications/subscriptions/acknowledged</c>, tagged with the request id like everything it sends there.
/// </summary>
internal sealed class BackendListenStream : IAsyncDisposable
{
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<bool> _acknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BackendListenStream(string id, int version)
    {
        Id = id;
        Version = version;
    }

    /// <summary>The listen request's id, which the backend puts in <c>_meta</c> of every notification of this stream.</summary>
    public string Id { get; }

    /// <summary>Which state of the wanted subscriptions this stream asked for.</summary>
    public int Version { get; }

    /// <summary>Ends when the request ends: the backend closed the stream, it failed, or it was closed here.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>True once acknowledged; false when the request ended before the backend acknowledged it.</summary>
    public Task<bool> Acknowledged => _acknowledged.Task;

    /// <summary>Whether the backend agreed to send anything on this stream (a backend without a stream to push on grants nothing).</summary>
    public bool GrantsAnything { get; private set; }

    /// <summary>Sends the listen request; <see cref="Completion"/> follows it.</summary>
    public void Start(McpClient client, SubscriptionsListenNotifications notifications)
    {
        var request = new JsonRpcRequest
        {
            Id = new RequestId(Id),
            Method = RequestMethods.SubscriptionsListen,
            Params = JsonSerializer.SerializeToNode(new SubscriptionsListenRequestParams { Notifications = notifications }, McpJsonUtilities.DefaultOptions),
        };
        Completion = RunAsync(client, request);
    }

    /// <summary>The backend's acknowledgement of this stream.</summary>
    public void OnAcknowledged(SubscriptionsListenNotifications? granted)
    {
        GrantsAnything = granted is not null && (granted.ToolsListChanged == true || granted.PromptsListChanged == true
            || granted.ResourcesListChanged == true || granted.ResourceSubscriptions is { Count: > 0 });
        _acknowledged.TrySetResult(true);
    }

    /// <summary>Closes the request (cancelling it ends the stream on the backend) and waits for it to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        await Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closing.Dispose();
    }

    private async Task RunAsync(McpClient client, JsonRpcRequest request)
    {
        try
        {
            await client.SendRequestAsync(request, _closing.Token);
        }
        finally
        {
            _acknowledged.TrySetResult(false);
        }
    }
}
