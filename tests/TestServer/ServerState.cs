namespace OneMcp.TestServer;

/// <summary>
/// Process-wide facts the tools report. Registered as an instance at startup so <see cref="StartedAt"/>
/// reflects process start rather than the first tool call.
/// </summary>
internal sealed class ServerState(ServerSettings settings)
{
    private int _cancelledSlowCalls;
    private int _startedSlowCalls;

    public string Name => settings.Name;

    public int Pid { get; } = Environment.ProcessId;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public int CancelledSlowCalls => Volatile.Read(ref _cancelledSlowCalls);

    public void RecordCancelledSlowCall() => Interlocked.Increment(ref _cancelledSlowCalls);

    public int StartedSlowCalls => Volatile.Read(ref _startedSlowCalls);

    public void RecordStartedSlowCall() => Interlocked.Increment(ref _startedSlowCalls);
}
