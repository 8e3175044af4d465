using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Domain.Backends;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>One call the engine forwarded to a <see cref="FakeBackend"/>.</summary>
/// <param name="Method">The MCP method (<see cref="RequestMethods"/>).</param>
/// <param name="Params">The request parameters, or the URI for subscribe/unsubscribe.</param>
/// <param name="Progress">The progress sink the engine passed (tools/call only).</param>
public sealed record BackendCall(string Method, object Params, IProgress<ProgressNotificationValue>? Progress = null);

/// <summary>
/// An <see cref="IBackendConnection"/> whose settings, state and capabilities a test sets directly. It records
/// every forwarded call, answers with scripted results, can fail or hold a call, and reports scripted progress.
/// </summary>
public sealed class FakeBackend : IBackendConnection
{
    private readonly Lock _gate = new();
    private readonly List<BackendCall> _calls = [];
    private readonly Dictionary<string, Exception> _failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<CallGate>> _holds = new(StringComparer.Ordinal);

    public FakeBackend(BackendSettings settings, BackendCapabilities? capabilities = null, BackendStatus status = BackendStatus.Connected)
    {
        Settings = settings;
        Capabilities = capabilities ?? BackendCapabilities.Empty;
        State = new BackendState(status, status == BackendStatus.Error ? "scripted error" : null, null, 0);
    }

    public FakeBackend(BackendBuilder settings, BackendCapabilities? capabilities = null, BackendStatus status = BackendStatus.Connected)
        : this(settings.Build(), capabilities, status)
    {
    }

    public ServerName Name => Settings.Name;

    public BackendSettings Settings { get; set; }

    public BackendState State { get; set; }

    public BackendCapabilities Capabilities { get; set; }

    public BackendStatus Status
    {
        get => State.Status;
        set => State = State with { Status = value };
    }

    /// <summary>Progress reported through the engine's <see cref="IProgress{T}"/> before a tool call returns.</summary>
    public List<ProgressNotificationValue> ProgressToReport { get; } = [];

    public Func<CallToolRequestParams, CallToolResult> ToolResult { get; set; }
        = r => new CallToolResult { Content = [new TextContentBlock { Text = $"result of {r.Name}" }] };

    public Func<ReadResourceRequestParams, ReadResourceResult> ResourceResult { get; set; }
        = r => new ReadResourceResult { Contents = [new TextResourceContents { Uri = r.Uri, Text = $"content of {r.Uri}" }] };

    public Func<GetPromptRequestParams, GetPromptResult> PromptResult { get; set; }
        = r => new GetPromptResult
        {
            Description = $"prompt {r.Name}",
            Messages = [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = $"text of {r.Name}" } }],
        };

    public Func<CompleteRequestParams, CompleteResult> CompletionResult { get; set; }
        = _ => new CompleteResult { Completion = new Completion { Values = ["one", "two"] } };

    public IReadOnlyList<BackendCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public IReadOnlyList<T> Requests<T>() => [.. Calls.Select(c => c.Params).OfType<T>()];

    public IReadOnlyList<string> UrisOf(string method) =>
        [.. Calls.Where(c => c.Method == method).Select(c => (string)c.Params)];

    /// <summary>Every later call of <paramref name="method"/> throws <paramref name="exception"/>.</summary>
    public void Fail(string method, Exception exception)
    {
        lock (_gate)
        {
            _failures[method] = exception;
        }
    }

    public void StopFailing(string method)
    {
        lock (_gate)
        {
            _failures.Remove(method);
        }
    }

    /// <summary>The next call of <paramref name="method"/> waits until the returned gate is released.</summary>
    public CallGate Hold(string method)
    {
        var gate = new CallGate();
        lock (_gate)
        {
            if (!_holds.TryGetValue(method, out var queue))
            {
                queue = new Queue<CallGate>();
                _holds[method] = queue;
            }

            queue.Enqueue(gate);
        }

        return gate;
    }

    public async ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken)
    {
        await EnterAsync(new BackendCall(RequestMethods.ToolsCall, request, progress), cancellationToken);
        foreach (var value in ProgressToReport)
        {
            progress?.Report(value);
        }

        return ToolResult(request);
    }

    public async ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken)
    {
        await EnterAsync(new BackendCall(RequestMethods.ResourcesRead, request), cancellationToken);
        return ResourceResult(request);
    }

    public async ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken)
    {
        await EnterAsync(new BackendCall(RequestMethods.PromptsGet, request), cancellationToken);
        return PromptResult(request);
    }

    public async ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken)
    {
        await EnterAsync(new BackendCall(RequestMethods.CompletionComplete, request), cancellationToken);
        return CompletionResult(request);
    }

    public async ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken) =>
        await EnterAsync(new BackendCall(RequestMethods.ResourcesSubscribe, uri), cancellationToken);

    public async ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken) =>
        await EnterAsync(new BackendCall(RequestMethods.ResourcesUnsubscribe, uri), cancellationToken);

    public override string ToString() => Name.Value;

    private async Task EnterAsync(BackendCall call, CancellationToken cancellationToken)
    {
        CallGate? hold = null;
        Exception? failure;
        lock (_gate)
        {
            _calls.Add(call);
            if (_holds.TryGetValue(call.Method, out var queue) && queue.Count > 0)
            {
                hold = queue.Dequeue();
            }

            _failures.TryGetValue(call.Method, out failure);
        }

        if (hold is not null)
        {
            await hold.WaitAsync(cancellationToken);
        }

        if (failure is not null)
        {
            throw failure;
        }
    }
}

/// <summary>Holds one backend call: <see cref="Entered"/> completes when the call arrives, <see cref="Release"/> lets it go on.</summary>
public sealed class CallGate
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Entered => _entered.Task;

    public void Release() => _released.TrySetResult();

    internal async Task WaitAsync(CancellationToken cancellationToken)
    {
        _entered.TrySetResult();
        await _released.Task.WaitAsync(cancellationToken);
    }
}
