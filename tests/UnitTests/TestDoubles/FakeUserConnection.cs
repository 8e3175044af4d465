using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Backends;
using OneMcp.Application.Connections;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends;

namespace OneMcp.UnitTests.TestDoubles;

/// <summary>
/// One user's connection to a per-user backend as the runtime builds it, without a process or a socket: it records the
/// settings it was built with (the user's secrets resolved in), reaches the scripted status at its first attempt (when
/// <c>holdFirstAttempt</c> is released) and says when it was disposed.
/// </summary>
internal sealed class FakeUserConnection(
    BackendSettings settings, ConnectionOwner owner, IBackendEventSink events, BackendStatus status, BackendCapabilities capabilities, Task holdFirstAttempt)
    : IPooledBackend
{
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disposing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile BackendState _state = new(BackendStatus.Connecting, null, null, 0);

    public ConnectionOwner Owner => owner;

    public ServerName Name => settings.Name;

    public BackendSettings Settings => settings;

    public BackendState State => _state;

    public BackendCapabilities Capabilities => _state.Status == BackendStatus.Connected ? capabilities : BackendCapabilities.Empty;

    public Task FirstAttempt => _firstAttempt.Task;

    /// <summary>Completes when the runtime disposed the connection (fails after 10 s, so a test that never sees it ends).</summary>
    public Task Disposed => _disposed.Task.WaitAsync(TimeSpan.FromSeconds(10));

    public bool IsDisposed => _disposed.Task.IsCompleted;

    /// <summary>When set, a call waits for it, so a test can hold a call running.</summary>
    public Task? HoldCalls { get; set; }

    public void Start() => _ = ConnectAsync();

    /// <summary>Moves the running connection to <paramref name="now"/> (e.g. awaiting OAuth once its tokens were dropped).</summary>
    public void Become(BackendStatus now) => _state = new BackendState(now, "scripted", DateTimeOffset.UnixEpoch, 0);

    public void UpdateMetadata(BackendSettings updated) => throw new InvalidOperationException("A user's connection never gets metadata of its own.");

    /// <summary>When set, a call fails with it.</summary>
    public Exception? CallFailure { get; set; }

    public async ValueTask<CallToolResult> CallToolAsync(CallToolRequestParams request, IProgress<ProgressNotificationValue>? progress, CancellationToken cancellationToken)
    {
        if (HoldCalls is { } hold)
        {
            await hold.WaitAsync(cancellationToken);
        }

        if (CallFailure is { } failure)
        {
            throw failure;
        }

        return new CallToolResult { Content = [new TextContentBlock { Text = owner.Key }] };
    }

    public ValueTask<ReadResourceResult> ReadResourceAsync(ReadResourceRequestParams request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<GetPromptResult> GetPromptAsync(GetPromptRequestParams request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask SubscribeAsync(string uri, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask UnsubscribeAsync(string uri, CancellationToken cancellationToken) => throw new NotSupportedException();

    /// <summary>When set, disposing waits for it (after saying it began), so a test can act while the connection stops.</summary>
    public Task? HoldDispose { get; set; }

    /// <summary>Completes when the runtime began to dispose the connection.</summary>
    public Task Disposing => _disposing.Task.WaitAsync(TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        _disposing.TrySetResult();
        if (HoldDispose is { } hold)
        {
            await hold;
        }

        _state = new BackendState(BackendStatus.Disconnected, null, null, 0);
        _disposed.TrySetResult();
        _firstAttempt.TrySetResult();
    }

    private async Task ConnectAsync()
    {
        await holdFirstAttempt;
        _state = new BackendState(status, status == BackendStatus.Connected ? null : "scripted", DateTimeOffset.UnixEpoch, 0);
        if (status == BackendStatus.Connected)
        {
            events.BackendConnected(this);
        }

        _firstAttempt.TrySetResult();
    }
}
