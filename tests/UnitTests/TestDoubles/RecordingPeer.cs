using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>A notification a <see cref="RecordingPeer"/> was sent; the parameters as JSON text (null when none).</summary>
public sealed record RecordedNotification(string Method, string? ParamsJson)
{
    public JsonNode? Params => ParamsJson is null ? null : JsonNode.Parse(ParamsJson);
}

/// <summary>
/// An <see cref="IClientPeer"/> that records what it is sent and answers backend-to-client requests with
/// canned results. Notifications are recorded as the send starts; <see cref="HoldNotifications"/> keeps
/// the sends from completing, to observe ordering and flushing.
/// </summary>
public sealed class RecordingPeer(string name = "peer") : IClientPeer
{
    private readonly Lock _gate = new();
    private readonly List<RecordedNotification> _notifications = [];
    private readonly List<object> _requests = [];
    private TaskCompletionSource? _hold;

    public string Name { get; } = name;

    public bool SupportsSampling { get; set; } = true;

    public bool SupportsElicitation { get; set; } = true;

    public bool SupportsRoots { get; set; } = true;

    public bool SupportsUrlElicitation { get; set; }

    /// <summary>Runs as an elicitation is answered (what the user does before the answer arrives).</summary>
    public Action<ElicitRequestParams>? Eliciting { get; set; }

    /// <summary>When set, every notification send fails with it (after being recorded).</summary>
    public Exception? NotificationFailure { get; set; }

    public CreateMessageResult SampleResult { get; set; } = new()
    {
        Model = "canned-model",
        Role = Role.Assistant,
        Content = [new TextContentBlock { Text = "canned sample" }],
    };

    public ElicitResult ElicitResult { get; set; } = new() { Action = "accept" };

    public ListRootsResult RootsResult { get; set; } = new() { Roots = [new Root { Uri = "file:///canned", Name = "canned" }] };

    public IReadOnlyList<RecordedNotification> Notifications
    {
        get
        {
            lock (_gate)
            {
                return [.. _notifications];
            }
        }
    }

    public IReadOnlyList<string> Methods => [.. Notifications.Select(n => n.Method)];

    /// <summary>The backend-to-client requests this peer answered, in order.</summary>
    public IReadOnlyList<object> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public void HoldNotifications()
    {
        lock (_gate)
        {
            _hold ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void ReleaseNotifications()
    {
        TaskCompletionSource? hold;
        lock (_gate)
        {
            hold = _hold;
            _hold = null;
        }

        hold?.TrySetResult();
    }

    public async Task SendNotificationAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        Task? hold;
        lock (_gate)
        {
            _notifications.Add(new RecordedNotification(method, parameters?.ToJsonString()));
            hold = _hold?.Task;
        }

        if (hold is not null)
        {
            await hold.WaitAsync(cancellationToken);
        }

        if (NotificationFailure is { } failure)
        {
            throw failure;
        }
    }

    public ValueTask<CreateMessageResult> SampleAsync(CreateMessageRequestParams request, CancellationToken cancellationToken) =>
        Answer(request, SampleResult);

    public ValueTask<ElicitResult> ElicitAsync(ElicitRequestParams request, CancellationToken cancellationToken)
    {
        Eliciting?.Invoke(request);
        return Answer(request, ElicitResult);
    }

    public ValueTask<ListRootsResult> RequestRootsAsync(ListRootsRequestParams request, CancellationToken cancellationToken) =>
        Answer(request, RootsResult);

    public override string ToString() => Name;

    private ValueTask<T> Answer<T>(object request, T result)
    {
        lock (_gate)
        {
            _requests.Add(request);
        }

        return ValueTask.FromResult(result);
    }
}
